from __future__ import annotations

import json
from pathlib import Path

import pytest

from eng101.datasets import DATA_DIR_ENV, locate_dataset, sha256_of, verify_manifest

from .conftest import REPO_ROOT


def _make(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_found_from_nbgrader_submission_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    data = _make(tmp_path / "datasets" / "flights.csv")
    deep = tmp_path / "autograded" / "alice" / "18_file_formats"
    deep.mkdir(parents=True)
    assert locate_dataset("flights.csv", start=deep) == data


def test_shared_directory_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = _make(tmp_path / "hub" / "flights.csv")
    _make(tmp_path / "course" / "datasets" / "flights.csv")
    monkeypatch.setenv(DATA_DIR_ENV, str(shared.parent))
    assert locate_dataset("flights.csv", start=tmp_path / "course") == shared


def test_uses_cwd_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    data = _make(tmp_path / "datasets" / "nested" / "table.parquet")
    monkeypatch.chdir(tmp_path)
    assert locate_dataset("nested/table.parquet") == data


def test_missing_dataset_says_where_it_looked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "hub"))
    with pytest.raises(FileNotFoundError) as error:
        locate_dataset("no-such-file.csv", start=tmp_path)
    message = str(error.value)
    assert "no-such-file.csv" in message and str(tmp_path / "hub") in message
    assert DATA_DIR_ENV in message


@pytest.mark.parametrize("bad", ["", "/etc/passwd", "../secrets.csv", "a/../../b"])
def test_names_must_stay_inside_datasets(bad: str) -> None:
    with pytest.raises(ValueError):
        locate_dataset(bad)


def test_manifest_catches_corruption_and_missing_files(tmp_path: Path) -> None:
    good = _make(tmp_path / "good.csv", "a,b\n1,2\n")
    _make(tmp_path / "bad.csv", "tampered")
    manifest = {"datasets": {
        "good.csv": {"sha256": sha256_of(good)},
        "bad.csv": {"sha256": sha256_of(good)},
        "gone.csv": {"sha256": "0" * 64},
    }}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    problems = verify_manifest(tmp_path)
    assert set(problems) == {"bad.csv", "gone.csv"}
    assert "mismatch" in problems["bad.csv"] and problems["gone.csv"] == "missing"


def test_repository_datasets_match_their_manifest() -> None:
    assert verify_manifest(REPO_ROOT / "datasets") == {}
