"""Models of caisse.spending (filled in by its owner)."""

from __future__ import annotations
