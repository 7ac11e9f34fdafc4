"""The examples in the rules' docstrings are run, so they stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import caisse.rules

SUBMODULES = pkgutil.walk_packages(caisse.rules.__path__, prefix="caisse.rules.")
MODULES = ["caisse.rules", *sorted(info.name for info in SUBMODULES)]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
