"""The gunicorn a benchmark starts: wait until it answers, stop it (and its workers) after."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request


def wait_until_up(url: str, server, timeout: float = 60) -> None:
    """Return once `url` answers 200; fail at once if gunicorn exits."""
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
        url, headers={"X-Forwarded-Proto": "https"}
    )
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}: see its log")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s")


def stop_gunicorn(server) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)  # graceful: workers finish their request
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)  # the group it was started in
        server.wait()
