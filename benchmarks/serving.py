"""A real server for the benchmarks: the app in granian or uvicorn, in a process group of its own,
on a free port of 127.0.0.1, waited for through its health route and stopped with its workers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, workers: int, kind: str, env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    """The app served by `kind` ("granian" or "uvicorn") with `env` added to this process's."""
    if kind == "granian":
        command = [
            sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "caisse.app:create_app",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--loop", "uvloop",
            "--runtime-threads", "1", "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
    else:
        command = [
            sys.executable, "-m", "uvicorn", "caisse.app:create_app", "--factory", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers), "--loop", "uvloop", "--http", "httptools",
            "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
    # A session of its own, so that stopping it stops its workers too.
    return subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT, start_new_session=True)


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def wait_until_up(base: str, server: subprocess.Popen[bytes], seconds: float = 30.0) -> None:
    """Until the health route answers 200; SystemExit if the server exits or stays silent."""
    with httpx.Client(base_url=base) as client:
        for _ in range(int(seconds * 10)):
            if server.poll() is not None:
                raise SystemExit(f"the server exited with code {server.returncode}")
            try:
                if client.get("/api/v1/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise SystemExit(f"the server did not answer within {seconds:g} s")
