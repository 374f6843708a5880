"""Root pytest hooks: they apply to tests/ and to the solution notebooks nbval collects."""

from __future__ import annotations

import re

import pytest


def pytest_itemcollected(item: pytest.Item) -> None:
    # nbval runs a notebook's cells in one kernel, so they must stay on one xdist
    # worker; --dist loadgroup keeps each group together while other tests spread.
    # Marking at collection time (before xdist's modifyitems reads the marks).
    path = item.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        # xdist appends "@<group>" to node ids; keep the group name free of "." and "/".
        item.add_marker(pytest.mark.xdist_group(name=re.sub(r"\W", "_", path)))


#: Test files by the worker time they take, longest first: xdist hands out work in collection order,
#: so starting the long ones first keeps both workers busy to the end (tail idle time is the waste).
LONGEST_FIRST = ("tests/test_contract.py", "tests/test_autograde.py", "tests/test_exchange_cycle.py",
                 "tests/test_contract_failures.py", "tests/test_fastpath.py", "tests/test_any_course.py",
                 "tests/test_feedback_leak.py", "tests/test_scratch_cap.py", "tests/test_browser.py",
                 "tests/test_nbgrader_root.py", "tests/test_site.py", "tests/test_precommit.py")


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::")[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order within a file stays as written
