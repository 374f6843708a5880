"""JupyterLab in a real browser: a server on loopback and headless Chromium driven by Playwright.

The server is started the way the README's run command starts it (``jupyter lab`` on a directory,
``--allow-root`` when root) plus what a test needs: loopback only, a random port and token, and
settings and workspaces in a scratch directory so that nothing from the machine's user leaks in.
Chromium is the system's (Debian's ``chromium``): Playwright's own browser download needs the
network, which these machines do not have.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from grader.layout import tool_environment

#: Where browsers live on Debian and friends, most likely first.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

#: Headless Chromium as root in a container: no sandbox (it refuses to start as root otherwise),
#: and none of the background connections that stall for their timeouts on an offline machine.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]

#: JupyterLab settings a fresh user would not change but an offline test must: no news or update
#: checks (network requests and a pop-up over the notebook).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

STARTUP_TIMEOUT_S = 90.0


def find_chromium() -> str | None:
    """The system Chromium's executable, or None when the machine has none."""
    override = os.environ.get("ENG101_CHROMIUM")
    if override:
        return override if Path(override).is_file() else None
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class LabServer:
    """A running JupyterLab: where to point the browser."""

    base_url: str
    token: str
    root_dir: Path
    log: Path

    def url(self, path: str) -> str:
        separator = "&" if "?" in path else "?"
        return f"{self.base_url}{path.lstrip('/')}{separator}token={self.token}"


def _write_lab_settings(settings_dir: Path) -> None:
    for relative, values in LAB_SETTINGS.items():
        target = settings_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))


def _wait_until_up(server: LabServer, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {process.returncode}:\n{server.log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(server.url("api/status"), timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"jupyter lab did not answer in {STARTUP_TIMEOUT_S:.0f} s:\n{server.log.read_text()[-3000:]}")


@contextmanager
def jupyter_lab(root_dir: Path, scratch: Path) -> Iterator[LabServer]:
    """JupyterLab serving ``root_dir`` (also its working directory, as with ``make lab``)."""
    scratch.mkdir(parents=True, exist_ok=True)
    _write_lab_settings(scratch / "settings")
    port, token = _free_port(), secrets.token_hex(16)
    env = tool_environment()
    env.update(JUPYTER_RUNTIME_DIR=str(scratch / "runtime"), JUPYTER_CONFIG_DIR=str(scratch / "config"))
    command = [
        sys.executable, "-m", "jupyterlab",
        f"--ServerApp.root_dir={root_dir}",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--LabApp.user_settings_dir={scratch / 'settings'}",
        f"--LabApp.workspaces_dir={scratch / 'workspaces'}",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = scratch / "jupyter-lab.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(command, cwd=root_dir, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    server = LabServer(f"http://127.0.0.1:{port}/", token, root_dir, log)
    try:
        _wait_until_up(server, process)
        yield server
    finally:
        # the whole process group: the server and every kernel it started
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Screenshots:
    """Numbered screenshots of each step, kept as test artifacts."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0
        directory.mkdir(parents=True, exist_ok=True)
        for old in directory.glob("*.png"):
            old.unlink()

    def take(self, page, step: str) -> Path:  # page: playwright.sync_api.Page
        self.count += 1
        path = self.directory / f"{self.count:02d}-{re.sub(r'[^a-z0-9]+', '-', step.lower()).strip('-')}.png"
        page.screenshot(path=str(path))
        return path
