# why: counts the leading 9s of the decimal digits instead of taking a logarithm
def count_nines(availability: float) -> int:
    """Whole nines of an availability in [0, 1): 0.999 -> 3, 0.9995 -> 3."""
    if not (availability >= 0 and availability < 1):
        raise ValueError("availability must be in [0, 1)")
    digits = f"{availability:.12f}".split(".")[1]
    return len(digits) - len(digits.lstrip("9"))
