"""The grading kernel's guard, seen from the grader: build the witness, prepare one kernel's guard
(its key, report pipe and config file, which carries the hidden tests), and read its verdicts.

Inside the sandbox ``kernel.py`` (this directory) compiles the hidden tests and installs the C
witness before any submitted code runs; see its docstring. The notebook's test cells become
triggers (:func:`trigger_source`); the witness reports ``PASSED <nonce> <tag>`` for each test that
ran to its end, with ``tag`` an HMAC the grader checks (:func:`expected_tag`), and ``TAMPER <what>``
when it stopped the kernel.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import hmac
import json
import os
import secrets
import subprocess
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

GUARD_DIR = Path(__file__).resolve().parent
WITNESS_SOURCE = GUARD_DIR / "_witness.c"
REACHED_EVENT = "eng101.reached"


class WitnessUnavailable(RuntimeError):
    """The C witness could not be compiled here (no C compiler or no Python headers)."""


@functools.cache
def build_witness() -> Path:
    """Compile ``_witness.c`` into ``build/`` (once per source version); the directory to mount."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    digest = hashlib.sha256(WITNESS_SOURCE.read_bytes()).hexdigest()[:12]
    out_dir = GUARD_DIR / "build" / digest
    target = out_dir / f"_witness{suffix}"
    if target.is_file():
        return out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    include = sysconfig.get_paths()["include"]
    compiler = os.environ.get("CC", "cc")
    scratch = out_dir / f".{os.getpid()}{suffix}"
    command = [compiler, "-shared", "-fPIC", "-O2", "-Wall", f"-I{include}", str(WITNESS_SOURCE), "-o", str(scratch)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    except OSError as error:
        raise WitnessUnavailable(f"cannot run the C compiler {compiler!r}: {error}") from error
    if result.returncode != 0:
        raise WitnessUnavailable(f"compiling the witness failed:\n{result.stderr.strip()}")
    scratch.replace(target)
    for stale in out_dir.parent.iterdir():
        if stale != out_dir and stale.is_dir():
            for leftover in stale.iterdir():
                leftover.unlink()
            stale.rmdir()
    return out_dir


TEST_EVENT = "eng101.test"


def trigger_source(nonce: str) -> str:
    """What a hidden test cell's source becomes in the kernel: a request to run test ``nonce``."""
    return f"__import__('sys').audit({TEST_EVENT!r}, {nonce!r})"


def expected_tag(key: bytes, nonce: str) -> str:
    """The tag the witness reports when test ``nonce`` ran to its end without an exception."""
    return hmac.new(key, f"passed:{nonce}".encode(), hashlib.sha256).hexdigest()


@dataclass
class GuardReport:
    passed: dict[str, list[str]] = field(default_factory=dict)  # nonce -> tags reported
    tampering: list[str] = field(default_factory=list)  # what the kernel stopped for
    noise: int = 0  # lines that are neither (something else wrote to the pipe)


@dataclass
class GuardSession:
    """The guard of one kernel: its key, report pipe and config file, in ``directory``."""

    directory: Path
    watch: list[str]
    course_tools: Path
    tests: dict[str, tuple[str, str]] = field(default_factory=dict)  # nonce -> (grade id, source)
    answer_names: list[str] = field(default_factory=list)  # names the exercises define (may shadow builtins)
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    _read_fd: int = -1
    _chunks: list[bytes] = field(default_factory=list)

    @property
    def pipe(self) -> Path:
        return self.directory / "guard.pipe"

    @property
    def config_file(self) -> Path:
        return self.directory / "guard.json"

    def prepare(self) -> None:
        """Make the pipe (opened for reading here first, so the kernel never blocks) and the config."""
        os.mkfifo(self.pipe, 0o600)
        self._read_fd = os.open(self.pipe, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        config = {"key": self.key.hex(), "pipe": str(self.pipe), "watch": sorted(set(self.watch)),
                  "course_tools": str(self.course_tools), "witness_dir": str(build_witness()),
                  "tests": {nonce: list(test) for nonce, test in self.tests.items()},
                  "answer_names": sorted(set(self.answer_names))}
        descriptor = os.open(self.config_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(config, handle)

    def drain(self) -> None:
        """Read what the kernel reported so far (call it while the kernel runs: the pipe holds 64 KiB)."""
        while self._read_fd >= 0:
            try:
                chunk = os.read(self._read_fd, 65536)
            except BlockingIOError:
                return
            if not chunk:
                return
            self._chunks.append(chunk)

    def close(self) -> GuardReport:
        self.drain()
        if self._read_fd >= 0:
            os.close(self._read_fd)
            self._read_fd = -1
        report = GuardReport()
        for line in b"".join(self._chunks).decode("utf-8", "replace").splitlines():
            kind, _, rest = line.partition(" ")
            if kind == "PASSED" and len(rest.split(" ")) == 2:
                nonce, tag = rest.split(" ")
                report.passed.setdefault(nonce, []).append(tag)
            elif kind == "TAMPER":
                report.tampering.append(rest.strip())
            else:
                report.noise += 1
        return report


def _trees(sources: list[str]) -> Iterator[ast.Module]:
    for source in sources:
        try:
            yield ast.parse(source)
        except SyntaxError:  # a cell that does not parse fails when it runs; nothing to learn here
            continue


def top_level_names(sources: list[str]) -> list[str]:
    """Names that ``sources`` define at top level (functions, classes, assignments)."""
    from grader.trials import top_level_names as defined_by

    return sorted({name for tree in _trees(sources) for name in defined_by(ast.unparse(tree))})


def modules_imported(sources: list[str]) -> list[str]:
    """Top-level and dotted module names imported by ``sources`` (what the guard watches)."""
    names: set[str] = set()
    for tree in _trees(sources):
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
    return sorted(names)
