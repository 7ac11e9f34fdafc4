"""The members package has no import cycle: its modules load whichever is imported first, and the
models (imported by the ledger, the cycle and auth) do not drag the member services in."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import importlib, sys
importlib.import_module({first!r})
print(",".join(sorted(m for m in sys.modules if m.startswith("caisse.members"))))
"""


def members_modules_loaded_by(first: str) -> set[str]:
    """The members modules loaded by importing `first` in a fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(first=first)],
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return set(result.stdout.strip().split(","))


@pytest.mark.parametrize("first", ["caisse.auth.service", "caisse.members.service", "caisse.members.routes"])
def test_the_member_services_load_whichever_module_comes_first(first: str) -> None:
    assert "caisse.members.service" in members_modules_loaded_by(first)


@pytest.mark.parametrize("first", ["caisse.members", "caisse.members.models", "caisse.db.models"])
def test_the_models_do_not_pull_in_the_member_services(first: str) -> None:
    assert "caisse.members.service" not in members_modules_loaded_by(first)
