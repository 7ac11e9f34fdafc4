"""The examples in the simulator's docstrings are run, so they stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import simulation

MODULES = [
    "simulation",
    *sorted(info.name for info in pkgutil.walk_packages(simulation.__path__, "simulation.")),
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
