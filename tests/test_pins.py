"""One source of truth for dependency pins: pyproject.toml.

environment.yml (conda) and requirements.lock (the full pip set the Makefile
installs) must pin exactly the same versions of the direct dependencies.
"""

from __future__ import annotations

import re
import tomllib

from .conftest import REPO_ROOT

PIN = re.compile(r"^\s*(?:-\s+)?([A-Za-z0-9_.\-]+)==([^\s;#]+)")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(lines: list[str]) -> dict[str, str]:
    pins = {}
    for line in lines:
        match = PIN.match(line)
        if match:
            pins[_normal(match.group(1))] = match.group(2)
    return pins


def pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + [d for group in project["optional-dependencies"].values()
                                         for d in group]
    unpinned = [d for d in declared if "==" not in d]
    assert not unpinned, f"every dependency must be pinned with ==: {unpinned}"
    return _pins(declared)


def test_environment_yml_matches_pyproject() -> None:
    conda = _pins((REPO_ROOT / "environment.yml").read_text().splitlines())
    assert conda == pyproject_pins(), "environment.yml and pyproject.toml pins drifted apart"
    assert "- -e ." in (REPO_ROOT / "environment.yml").read_text()


def test_lock_pins_every_direct_dependency_at_the_same_version() -> None:
    lock = _pins((REPO_ROOT / "requirements.lock").read_text().splitlines())
    drift = {name: (version, lock.get(name)) for name, version in pyproject_pins().items()
             if lock.get(name) != version}
    assert not drift, f"requirements.lock disagrees with pyproject.toml (want, have): {drift}"


def test_lock_is_fully_pinned() -> None:
    lines = [line.strip() for line in (REPO_ROOT / "requirements.lock").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines and all("==" in line for line in lines)
