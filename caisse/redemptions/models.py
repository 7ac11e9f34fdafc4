"""Models of caisse.redemptions (filled in by its owner)."""

from __future__ import annotations
