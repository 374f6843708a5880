"""ruff over the Python code and the solution notebooks (it reads .ipynb natively)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import REPO_ROOT


def test_ruff_is_clean() -> None:
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run([str(ruff), "check", "--no-cache", "."], cwd=REPO_ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_machine_paths_committed() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True,
                             check=False).stdout.split()
    offenders = []
    for name in tracked:
        path = REPO_ROOT / name
        if path.is_file() and path.suffix in {".py", ".ipynb", ".md", ".toml", ".yml", ".cfg", ""}:
            text = path.read_text(encoding="utf-8", errors="ignore")
            if str(REPO_ROOT) in text or f"{Path.home()}/" in text:
                offenders.append(name)
    assert not offenders, f"machine-specific paths in: {offenders}"
