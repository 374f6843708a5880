# why: compares with the floats 0.9, 0.99, ...: rounding to a float keeps order, so no decimal arithmetic is needed
import math


def count_nines(availability: float) -> int:
    """Whole nines of an availability in [0, 1): 0.999 -> 3, 0.9995 -> 3."""
    if math.isnan(availability) or availability < 0 or availability >= 1:
        raise ValueError(f"not an availability: {availability}")
    nines = 0
    while availability >= float("0." + "9" * (nines + 1)):
        nines += 1
    return nines
