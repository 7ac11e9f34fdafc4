"""Models of caisse.ballots (filled in by its owner)."""

from __future__ import annotations
