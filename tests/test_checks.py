from __future__ import annotations

import pytest

from eng101.checks import rejects


def _parse(text: str, base: int = 10) -> int:
    return int(text, base)


def test_rejects_reports_the_expected_error() -> None:
    assert rejects(_parse, "x")
    assert not rejects(_parse, "7")
    assert rejects(_parse, "7", base=99)  # keyword arguments reach the function


def test_rejects_lets_other_errors_through() -> None:
    with pytest.raises(TypeError):
        rejects(_parse, None)
    assert rejects(_parse, None, error=TypeError)
