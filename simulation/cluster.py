"""Run chunks on Dask (``dask.distributed``, an optional dependency): a local cluster or an existing
scheduler. Chunks carry their own random streams, so a cluster gives the results of a local run.

>>> parse_dask_address("tcp://10.0.0.5:8786"), parse_dask_address("local")
('tcp://10.0.0.5:8786', 'local')
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from simulation.plan import Plan

_TCP = re.compile(r"tcp://[A-Za-z0-9.\-\[\]:]+:[0-9]{1,5}")


def parse_dask_address(address: str) -> str:
    """``local`` or ``tcp://HOST:PORT``; ValueError saying what to write otherwise."""
    if address == "local" or _TCP.fullmatch(address):
        return address
    raise ValueError(f"--dask takes 'local' or a scheduler address tcp://HOST:PORT, got {address!r}")


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:  # the optional extra is not installed
        raise ValueError(
            "running on Dask needs the optional dependency: pip install 'caisse-commune[dask]'"
        ) from None
    return distributed


class DaskExecutor:
    """Submits chunks to a ``distributed.Client``; the plan, the same for every chunk, is sent to the
    workers once (scattered) instead of with each chunk."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._scattered: dict[int, Any] = {}

    def _shared(self, plan: Plan) -> Any:
        if id(plan) not in self._scattered:
            self._scattered[id(plan)] = (plan, self.client.scatter(plan, broadcast=True))
        return self._scattered[id(plan)][1]

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        sent = tuple(self._shared(arg) if isinstance(arg, Plan) else arg for arg in args)
        return self.client.submit(fn, *sent, pure=False)


@contextmanager
def dask_executor(address: str, *, workers: int | None = None) -> Iterator[DaskExecutor]:
    """An executor running chunks on Dask, its client (and local cluster) closed on exit.

    ``local`` starts a cluster of `workers` processes (default: the machine's cores), one thread each
    (numpy releases the GIL little in these loops, processes scale better); ``tcp://HOST:PORT``
    connects to a running scheduler, whose workers must have this package installed.
    """
    distributed = _distributed()
    target = parse_dask_address(address)
    if target == "local":
        count = workers or os.cpu_count() or 1
        with (
            distributed.LocalCluster(
                n_workers=count, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            yield DaskExecutor(client)
        return
    try:
        client = distributed.Client(target, timeout="10s")
    except OSError as error:
        raise ValueError(f"cannot reach the Dask scheduler at {target}: {error}") from None
    with client:
        yield DaskExecutor(client)
