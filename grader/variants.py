"""Mutants and alternative answers kept beside each solution.

Layout (documented in docs/variants.md)::

    solutions/01_subnets/variants/<exercise_id>/mutant_<slug>.py
    solutions/01_subnets/variants/<exercise_id>/alt_<slug>.py

``<exercise_id>`` is the grade_id of the solution cell. A file's content is the
complete source a student could type into that cell; its first line is a
comment ``# why: ...`` saying what is wrong (mutant) or how it differs (alt).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

VariantKind = Literal["mutant", "alt"]
KINDS: tuple[VariantKind, ...] = ("mutant", "alt")
VARIANTS_DIR = "variants"


class VariantFormatError(ValueError):
    """A file in variants/ that does not follow the documented layout."""


@dataclass(frozen=True)
class Variant:
    exercise: str
    kind: VariantKind
    name: str
    path: Path
    source: str

    @property
    def label(self) -> str:
        return f"{self.kind} {self.exercise}/{self.name}"

    @property
    def student_id(self) -> str:
        """A gradebook-safe id for grading this variant as if a student submitted it."""
        return f"{self.kind}--{self.exercise}--{self.name}"

    @property
    def why(self) -> str:
        first = self.source.lstrip().splitlines()[0] if self.source.strip() else ""
        return first.removeprefix("#").strip().removeprefix("why:").strip()


def discover_variants(assignment_dir: Path) -> list[Variant]:
    """Every variant of an assignment, sorted; raises on files that break the layout."""
    root = assignment_dir / VARIANTS_DIR
    if not root.is_dir():
        return []
    variants: list[Variant] = []
    for path in sorted(root.rglob("*")):
        if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        relative = path.relative_to(root)
        if len(relative.parts) != 2 or path.suffix != ".py":
            raise VariantFormatError(
                f"{path}: expected variants/<exercise_id>/<mutant|alt>_<name>.py"
            )
        kind, _, name = path.stem.partition("_")
        if kind not in KINDS or not name:
            raise VariantFormatError(f"{path}: file name must start with 'mutant_' or 'alt_'")
        source = path.read_text(encoding="utf-8")
        if not source.lstrip().startswith("# why:"):
            raise VariantFormatError(f"{path}: first line must be '# why: <what it gets wrong>'")
        variants.append(Variant(relative.parts[0], kind, name, path, source))  # type: ignore[arg-type]
    return variants
