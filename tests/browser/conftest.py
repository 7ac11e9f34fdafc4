"""Browser tests: Debian's Chromium (/usr/bin/chromium), driven by Playwright, against a real
server (uvicorn in a subprocess) on a free local port, reading a SQLite file with the demo caisse.

Playwright never downloads a browser here: it launches the system Chromium. Without it the tests
are skipped with the reason, except in CI (`CI=true`), where a missing browser fails the run
(`.ci/run` installs it).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.browser_demo import build_database

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IN_CI = os.environ.get("CI", "").lower() == "true"
REPO = Path(__file__).resolve().parents[2]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _is_browser_test(item: pytest.Item) -> bool:
    return "tests/browser/" in str(item.path).replace("\\", "/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser journeys last: they are the slowest, and their server and browser then never
    overlap the other tests. (Under pytest-xdist, as `make test` runs, `--dist loadfile` keeps each
    module's journeys on one worker, in order.)"""
    items.sort(key=_is_browser_test)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped (exit {server.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/api/v1/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within 60 s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        message = (
            f"{CHROMIUM} is missing: install Debian's chromium (`make chromium`) to run the browser tests"
        )
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def base_url(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo caisse served by `uvicorn caisse.app:create_app` on a free port."""
    folder = tmp_path_factory.mktemp("browser")
    database_url = build_database(folder / "demo.db")
    port = _free_port()
    log = folder / "server.log"
    env = {**os.environ, "CAISSE_DATABASE_URL": database_url}
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "caisse.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Any]:
    """Chromium for one test module. Playwright's sync API runs an event loop in this thread while
    it is open, so it must be closed before any other test module (they use asyncio.run)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _page(browser: Any, base_url: str, viewport: dict[str, int], **options: Any) -> Iterator[Any]:
    context = browser.new_context(base_url=base_url, viewport=viewport, locale="fr-FR", **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    """A desktop-sized page in a fresh browser context (no cookie)."""
    yield from _page(browser, base_url, DESKTOP)


@pytest.fixture
def phone(browser: Any, base_url: str) -> Iterator[Any]:
    """A phone-sized page (390 × 844, touch) in a fresh browser context."""
    yield from _page(browser, base_url, PHONE, is_mobile=True, has_touch=True)
