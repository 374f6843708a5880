"""Small helpers for the notebooks' test cells (so no test helper is pasted twice)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def rejects(function: Callable[..., Any], *args: Any, error: type[BaseException] = ValueError, **kwargs: Any) -> bool:
    """True if ``function(*args, **kwargs)`` raises ``error`` (a stand-in for pytest.raises).

    Any other exception propagates, so a test cell shows the student the real failure.
    """
    try:
        function(*args, **kwargs)
    except error:
        return True
    return False
