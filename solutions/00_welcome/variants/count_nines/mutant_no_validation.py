# why: exact arithmetic but no range check: -0.1 returns -1 and 1.0 overflows instead of ValueError
def count_nines(availability: float) -> int:
    """Whole nines of an availability in [0, 1): 0.999 -> 3, 0.9995 -> 3."""
    import math
    from decimal import Decimal

    unavailability = 1 - Decimal(str(availability))
    return math.floor(-unavailability.log10())
