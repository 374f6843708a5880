"""An nbgrader preprocessor that stands in for ``Execute``: it takes the notebook that
grader.untrusted already executed in the sandbox (staged by student and notebook)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode


class UseExecuted(NbGraderPreprocessor):
    staging_dir = Unicode("", help="directory holding <student>/<notebook>.ipynb").tag(config=True)

    def preprocess(self, nb: Any, resources: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        student = resources["nbgrader"]["student"]
        notebook = resources["nbgrader"]["notebook"]
        staged = Path(self.staging_dir) / student / f"{notebook}.ipynb"
        if not staged.exists():
            raise FileNotFoundError(f"{student}/{notebook}.ipynb was not executed (see grader's reasons)")
        executed = nbformat.read(staged, as_version=4)
        executed.metadata = nb.metadata
        return executed, resources
