"""Unit tests for eng101.pipeline_lab (the 11_cicd helpers)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from eng101.pipeline_lab import (
    BlueGreenRouter,
    archive_commit,
    commit_files,
    demo_stages,
    export_commit,
    http_get,
    make_repo,
    read_log,
    serve_versions,
    split_traffic,
    statuses,
    version_app,
)

FILES = {"app.py": b"def f():\n    return 1\n", "test_app.py": b"assert True\n", "deploy.cfg": b"x = 1\n"}


def test_commits_are_reproducible_across_repositories(tmp_path: Path) -> None:
    first = commit_files(make_repo(tmp_path / "a"), FILES, "one")
    second = commit_files(make_repo(tmp_path / "b"), dict(reversed(FILES.items())), "one")
    assert first == second and len(first) == 40
    other = commit_files(make_repo(tmp_path / "c"), {**FILES, "deploy.cfg": b"x = 2\n"}, "one")
    assert other != first


def test_export_and_archive_of_a_commit(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    commit = commit_files(repo, FILES, "one")
    checkout = export_commit(repo, commit, tmp_path / "out")
    assert {p.name: p.read_bytes() for p in checkout.iterdir()} == FILES
    assert archive_commit(repo, commit) == archive_commit(repo, commit)


def test_demo_stages_log_their_runs(tmp_path: Path) -> None:
    import subprocess

    stages = demo_stages(tmp_path / "log")
    assert [stage.name for stage in stages] == ["lint", "test", "build", "release", "deploy"]
    assert read_log(tmp_path / "log") == []
    for path, data in FILES.items():
        (tmp_path / path).write_bytes(data)
    for stage in stages:
        assert subprocess.run(stage.command, cwd=tmp_path, timeout=10).returncode == 0
    assert read_log(tmp_path / "log") == ["lint", "test", "build", "release", "deploy"]


def test_version_app_fails_every_nth_request_and_servers_stop() -> None:
    before = threading.active_count()
    with serve_versions({"blue": version_app("v1"), "green": version_app("v2", fail_every=3)}) as ports:
        assert http_get(ports["blue"], "/") == (200, {"version": "v1", "ok": True})
        router = BlueGreenRouter(ports, live="green")
        assert statuses(router, 6) == [200, 200, 500, 200, 200, 500]
        assert router.switch("blue") == "green"
        assert set(statuses(router, 3)) == {200}
        with pytest.raises(ValueError):
            router.switch("red")
    assert threading.active_count() == before


def test_split_traffic_is_seeded() -> None:
    apps = {"old": version_app("v1", fail_every=10), "new": version_app("v2")}
    with serve_versions(apps) as ports:
        first = split_traffic(ports, {"old": 0.8, "new": 0.2}, requests=50, seed=3)
    assert first["old"].requests + first["new"].requests == 50
    assert first["old"].errors == first["old"].requests // 10 and first["new"].errors == 0
    assert len(first["new"].latencies_ms) == first["new"].requests
    apps = {"old": version_app("v1", fail_every=10), "new": version_app("v2")}
    with serve_versions(apps) as ports:
        second = split_traffic(ports, {"old": 0.8, "new": 0.2}, requests=50, seed=3)
    assert second["new"].requests == first["new"].requests
