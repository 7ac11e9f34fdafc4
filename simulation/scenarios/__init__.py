"""Example scenarios shipped with the simulator (TOML files in this folder).

>>> sorted(shipped_scenarios())
['gironde', 'montpellier', 'national']
"""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).parent


def shipped_scenarios() -> dict[str, Path]:
    """Name → path of each example scenario file."""
    return {path.stem: path for path in sorted(FOLDER.glob("*.toml"))}
