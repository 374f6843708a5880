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

