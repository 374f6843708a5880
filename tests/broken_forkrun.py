"""A fast-path runner with one deliberate, plausible bug, to prove the equivalence test catches it.

The bug: a forked run works on the parent's files instead of a private copy-on-write view, so
what one variant writes is seen by the next (and by the reference run after them).
"""

from __future__ import annotations

import os
from pathlib import Path

from grader import forkrun


def _shared_view(base: Path, lower: Path, scratch: Path) -> None:
    os.chdir(os.getcwd())


forkrun.private_view = _shared_view

if __name__ == "__main__":
    os._exit(forkrun.main())
