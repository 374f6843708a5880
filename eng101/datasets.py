"""Finding the course data, wherever a notebook happens to run.

A notebook runs from several places: ``course/NN_topic/`` in the repository,
``solutions/NN_topic/``, nbgrader's ``submitted/<student>/NN_topic/`` and
``autograded/<student>/NN_topic/`` copies, or a student's home directory on a
JupyterHub where the instructor shares the data in one directory. Notebooks
therefore never open ``../../datasets/x`` themselves; they call
:func:`locate_dataset`.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

#: Environment variable naming a shared data directory (e.g. on a JupyterHub).
DATA_DIR_ENV = "ENG101_DATA_DIR"

#: The checked-in manifest: name -> {"sha256": ..., "source": ..., "licence": ...}.
MANIFEST_NAME = "manifest.json"

_PACKAGE_REPO_DATASETS = Path(__file__).resolve().parent.parent / "datasets"


def _candidate_dirs(start: Path) -> list[Path]:
    """Directories searched, in order: the shared one, then datasets/ upwards, then the repo's."""
    candidates: list[Path] = []
    shared = os.environ.get(DATA_DIR_ENV)
    if shared:
        candidates.append(Path(shared).expanduser())
    for directory in (start, *start.parents):
        candidates.append(directory / "datasets")
    candidates.append(_PACKAGE_REPO_DATASETS)
    unique: list[Path] = []
    for candidate in candidates:
        if candidate not in unique:
            unique.append(candidate)
    return unique


def locate_dataset(name: str, start: str | os.PathLike[str] | None = None) -> Path:
    """Return the path of the dataset file or directory called ``name``.

    Looks in ``$ENG101_DATA_DIR`` first (a shared directory on a JupyterHub),
    then in a ``datasets/`` directory in ``start`` (default: the current
    directory) or any of its parents, then in the repository this package was
    installed from. Raises ``FileNotFoundError`` that lists every place it looked.
    """
    relative = Path(name)
    if relative.is_absolute() or ".." in relative.parts or not name:
        raise ValueError(f"dataset name must be a relative path inside datasets/, got {name!r}")
    start_dir = Path(start) if start is not None else Path.cwd()
    searched = _candidate_dirs(start_dir.resolve())
    for directory in searched:
        path = directory / relative
        if path.exists():
            return path
    places = "\n  ".join(str(d) for d in searched)
    raise FileNotFoundError(
        f"dataset {name!r} not found. Looked in:\n  {places}\n"
        f"Run the course setup (make lab) from the repository, or set {DATA_DIR_ENV} "
        "to the directory your instructor shared."
    )


def sha256_of(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file, read in chunks so large files need little memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_manifest(datasets_dir: str | os.PathLike[str]) -> dict[str, str]:
    """Check every file listed in ``datasets_dir/manifest.json`` against its sha256.

    Returns ``{name: problem}`` for each missing or corrupted file; empty means all good.
    """
    root = Path(datasets_dir)
    manifest = json.loads((root / MANIFEST_NAME).read_text(encoding="utf-8"))
    problems: dict[str, str] = {}
    for name, entry in manifest.get("datasets", {}).items():
        path = root / name
        if not path.is_file():
            problems[name] = "missing"
        elif sha256_of(path) != entry["sha256"]:
            problems[name] = f"sha256 mismatch (expected {entry['sha256']})"
    return problems
