# why: float logarithm rounded to 9 decimals before flooring, which absorbs the binary error
import math


def count_nines(availability: float) -> int:
    """Whole nines of an availability in [0, 1): 0.999 -> 3, 0.9995 -> 3."""
    if math.isnan(availability) or availability < 0 or availability >= 1:
        raise ValueError(f"not an availability: {availability}")
    return int(math.floor(round(-math.log10(1 - availability), 9)))
