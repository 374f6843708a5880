# why: floors the float logarithm directly, so 1 - 0.99 = 0.010000000000000009 counts as 1 nine
import math


def count_nines(availability: float) -> int:
    """Whole nines of an availability in [0, 1): 0.999 -> 3, 0.9995 -> 3."""
    if not 0 <= availability < 1:
        raise ValueError(f"availability must be in [0, 1), got {availability!r}")
    return math.floor(-math.log10(1 - availability))
