"""Helpers shared by the course notebooks (Engineering 101 for ML Engineers).

Notebooks import from here instead of pasting code into several notebooks. Submodules are
imported on first use, so ``python -m eng101.datasets`` runs without a double import.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DATA_DIR_ENV", "locate_dataset"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from eng101 import datasets

        return getattr(datasets, name)
    raise AttributeError(f"module 'eng101' has no attribute {name!r}")
