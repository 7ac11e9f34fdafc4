"""What every browser journey checks on the pages it visits: accessibility (axe) and screenshots.

Screenshots go to a temporary folder on ordinary runs, so a test run never changes committed files;
`make screenshots` sets CAISSE_SCREENSHOTS=docs/screenshots to refresh the PNGs the README shows.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe

REPO = Path(__file__).resolve().parents[2]


def _screenshot_folder() -> Path:
    chosen = os.environ.get("CAISSE_SCREENSHOTS")
    return REPO / chosen if chosen else Path(tempfile.gettempdir()) / "caisse-screenshots"


SCREENSHOTS = _screenshot_folder()
BLOCKING = {"serious", "critical"}
_axe = Axe()


def assert_accessible(page: Any) -> None:
    """No serious or critical axe violation on the page as it is now."""
    results = _axe.run(page)
    blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING]
    details = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:5]]}"
        for v in blocking
    )
    assert not blocking, f"axe found serious or critical violations on {page.url}:\n{details}"


def screenshot(page: Any, name: str) -> Path:
    """A full-page PNG named `name` in the screenshots folder."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def follow(page: Any, target: Any) -> None:
    """Click a link or a submit button and wait for the page it leads to, so that nothing is read
    from the page being left."""
    with page.expect_navigation():
        target.click()
