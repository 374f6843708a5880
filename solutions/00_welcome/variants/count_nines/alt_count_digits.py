# why: counts the leading 9s of repr(availability), the number as written, instead of taking a logarithm
def count_nines(availability: float) -> int:
    """Whole nines of an availability in [0, 1): 0.999 -> 3, 0.9995 -> 3."""
    if not (availability >= 0 and availability < 1):
        raise ValueError("availability must be in [0, 1)")
    text = repr(availability)
    if "e" in text:  # below 1e-4 repr switches to scientific notation: no leading 9s at all
        return 0
    digits = text.split(".")[1]
    return len(digits) - len(digits.lstrip("9"))
