"""On Dask (a local cluster of two processes) a seed gives exactly the local run's results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from caisse.cli import main
from simulation.cluster import dask_executor, parse_dask_address
from simulation.run import simulate
from simulation.types import ENGINE_NAMES
from tests.unit.simulation.simulation_helpers import scenario

RANDOM: dict[str, Any] = {
    "scenario": {"months": 8, "paths": 60, "chunk_size": 10, "seed": 31},
    "participation": {"take_up": 0.5, "join_rate": 0.05, "leave_rate": 0.05},
    "spending": {"spend_through": 0.8, "concentration": 6.0},
    "funding": {"subsidies": [{"amount": 5000.0, "period_months": 4, "renewal_probability": 0.5}]},
    "uncertainty": {"spend_through": {"distribution": "beta", "a": 8, "b": 2}},
}


def test_local_dask_cluster_gives_the_local_runs_results() -> None:
    chosen = scenario(**RANDOM)
    local = {engine: simulate(chosen, engine=engine) for engine in ENGINE_NAMES}
    with dask_executor("local", workers=2) as executor:
        remote = {engine: simulate(chosen, engine=engine, executor=executor) for engine in local}
    for engine, run in local.items():
        assert np.array_equal(run.results.reserve, remote[engine].results.reserve), engine
        assert run.summary() == remote[engine].summary(), engine


@pytest.mark.parametrize("address", ["tcp://scheduler:8786", "tcp://10.0.0.5:8786", "local"])
def test_dask_addresses_accepted(address: str) -> None:
    assert parse_dask_address(address) == address


@pytest.mark.parametrize("address", ["scheduler:8786", "http://x:1", "tcp://x", ""])
def test_bad_dask_address_is_refused_with_what_to_write(address: str) -> None:
    with pytest.raises(ValueError, match="tcp://HOST:PORT"):
        parse_dask_address(address)


def test_cli_refuses_a_bad_dask_address_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        '[scenario]\nstart = "2027-01"\n[contribution]\npreset = "flers"\n[allocation]\npreset = "flers"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["simulate", str(path), "--dask", "scheduler:8786"])
    assert result.exit_code == 1 and "tcp://HOST:PORT" in result.output
