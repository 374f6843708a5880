"""Helpers shared by the course notebooks (Engineering 101 for ML Engineers).

Notebooks import from here instead of pasting code into several notebooks.
"""

from eng101.datasets import DATA_DIR_ENV, locate_dataset

__all__ = ["DATA_DIR_ENV", "locate_dataset"]
