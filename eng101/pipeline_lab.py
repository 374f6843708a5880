"""Helpers for 11_cicd: a reproducible temporary git repository, pipeline stages, and two
versions of a service on loopback for blue-green and canary demos.

Nothing here answers an exercise: the stage runner, the artifact builder and the canary rule are
the student's to write.
"""

from __future__ import annotations

import io
import os
import random
import subprocess
import tarfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eng101.netlab import http_get, serve

#: Fixed identity and dates: the same files and messages give the same commit ids on any machine.
FIXED_DATE = "2024-01-01T00:00:00+00:00"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Course Bot",
    "GIT_AUTHOR_EMAIL": "bot@example.invalid",
    "GIT_AUTHOR_DATE": FIXED_DATE,
    "GIT_COMMITTER_NAME": "Course Bot",
    "GIT_COMMITTER_EMAIL": "bot@example.invalid",
    "GIT_COMMITTER_DATE": FIXED_DATE,
    "GIT_CONFIG_GLOBAL": os.devnull,  # ignore the user's ~/.gitconfig (signing, hooks, templates)
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
}


def git(repo: str | Path, *args: str) -> str:
    """Run ``git args`` in ``repo`` with the fixed identity and dates; return its stdout, stripped."""
    env = {**os.environ, **GIT_ENV}
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
        cwd=repo, env=env, capture_output=True, text=True, timeout=30, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def make_repo(path: str | Path) -> Path:
    """Create an empty git repository at ``path`` (made if missing) and return its path."""
    repo = Path(path)
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "--quiet")
    return repo


def commit_files(repo: str | Path, files: dict[str, bytes], message: str) -> str:
    """Write ``files`` (relative path -> bytes) into the work tree, commit all, return the commit id."""
    for name, data in files.items():
        target = Path(repo) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def archive_commit(repo: str | Path, commit: str) -> bytes:
    """The tar that ``git archive`` makes of ``commit`` (every mtime is the commit's date)."""
    done = subprocess.run(
        ["git", "archive", "--format=tar", commit],
        cwd=repo, env={**os.environ, **GIT_ENV}, capture_output=True, timeout=30, check=True,
    )
    return done.stdout


def export_commit(repo: str | Path, commit: str, dest: str | Path) -> Path:
    """Extract the tree of ``commit`` into ``dest`` (a fresh checkout without .git); return ``dest``."""
    target = Path(dest)
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive_commit(repo, commit))) as archive:
        archive.extractall(target, filter="data")
    return target


@dataclass(frozen=True)
class Stage:
    """One pipeline stage: a command run in the checkout, and the files it reads.

    ``command`` is an argument vector (no shell unless you write ``("sh", "-c", ...)``), run with
    the checkout as working directory; exit status 0 means success. ``inputs`` are paths relative to
    the checkout. ``version`` names the tool's version (a compiler, a linter): a new version must
    not reuse old results. ``timeout`` is in seconds.
    """

    name: str
    command: tuple[str, ...]
    inputs: tuple[str, ...] = ()
    version: str = "1"
    timeout: float = 10.0


def sh(script: str) -> tuple[str, ...]:
    """The argument vector that runs ``script`` with /bin/sh."""
    return ("sh", "-c", script)


def demo_stages(log: str | Path) -> list[Stage]:
    """Five stages (lint, test, build, release, deploy) that append their names to ``log``."""
    log = str(Path(log).resolve())
    return [
        Stage("lint", sh(f"grep -q 'def ' app.py && echo lint >> '{log}'"), ("app.py",), "ruff-0.6"),
        Stage("test", sh(f"grep -q 'assert' test_app.py && echo test >> '{log}'"), ("app.py", "test_app.py")),
        Stage("build", sh(f"echo build >> '{log}'"), ("app.py",), "py3.11"),
        Stage("release", sh(f"echo release >> '{log}'"), ("app.py",)),
        Stage("deploy", sh(f"echo deploy >> '{log}'"), ("app.py", "deploy.cfg")),
    ]


def read_log(log: str | Path) -> list[str]:
    """The stage names a :func:`demo_stages` log recorded, in order ([] if none ran)."""
    path = Path(log)
    return path.read_text().split() if path.exists() else []


# --- two versions of a service, on loopback ----------------------------------------------------------




def version_app(version: str, fail_every: int = 0, delay_s: float = 0.0) -> Callable[..., Any]:
    """A WSGI app answering ``{"version": ...}``; every ``fail_every``-th request gets a 500.

    Failures are counted per app (request 1, 2, ...), so a run is deterministic. ``delay_s`` slows
    every answer (a slower release).
    """
    served = [0]

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        served[0] += 1
        if delay_s:
            time.sleep(delay_s)
        failing = fail_every and served[0] % fail_every == 0
        status = "500 Internal Server Error" if failing else "200 OK"
        body = b'{"version": "%s", "ok": %s}' % (version.encode(), b"false" if failing else b"true")
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return app


@contextmanager
def serve_versions(apps: dict[str, Callable[..., Any]]) -> Iterator[dict[str, int]]:
    """Serve each named app on its own loopback port; yield ``{name: port}``; stop all on exit."""
    ports: dict[str, int] = {}
    with _serve_all(list(apps.items()), ports):
        yield ports


@contextmanager
def _serve_all(items: list[tuple[str, Callable[..., Any]]], ports: dict[str, int]) -> Iterator[None]:
    if not items:
        yield
        return
    (name, app), rest = items[0], items[1:]
    with serve(app) as port:
        ports[name] = port
        with _serve_all(rest, ports):
            yield


@dataclass
class TrafficSample:
    """What one version served: request count, error count and latencies in milliseconds."""

    requests: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)


def split_traffic(
    ports: dict[str, int], weights: dict[str, float], requests: int, seed: int,
) -> dict[str, TrafficSample]:
    """Send ``requests`` real GETs, each to a version drawn with ``weights`` (seeded); measure them."""
    rng = random.Random(seed)
    names = sorted(weights)
    samples = {name: TrafficSample() for name in names}
    for _ in range(requests):
        name = rng.choices(names, weights=[weights[n] for n in names])[0]
        started = time.perf_counter()
        status, _body = http_get(ports[name], "/predict", timeout=5)
        sample = samples[name]
        sample.requests += 1
        sample.errors += status >= 500
        sample.latencies_ms.append((time.perf_counter() - started) * 1000)
    return samples


class BlueGreenRouter:
    """The switch in front of two live environments: every request goes to the ``live`` colour."""

    def __init__(self, ports: dict[str, int], live: str) -> None:
        if live not in ports:
            raise ValueError(f"unknown colour {live!r}")
        self.ports = dict(ports)
        self.live = live

    def switch(self, colour: str) -> str:
        """Make ``colour`` live (one assignment: atomic for every later request); return the old one."""
        if colour not in self.ports:
            raise ValueError(f"unknown colour {colour!r}")
        previous, self.live = self.live, colour
        return previous

    def get(self, target: str) -> tuple[int, Any]:
        """Forward ``GET target`` to the live environment."""
        return http_get(self.ports[self.live], target, timeout=5)


def statuses(router: BlueGreenRouter, count: int) -> Iterable[int]:
    """The HTTP statuses of ``count`` requests through ``router``."""
    return [router.get("/predict")[0] for _ in range(count)]
