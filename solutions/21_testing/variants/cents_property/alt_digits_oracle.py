# why: no parser: checks the shape with a regular expression, then the digits and the sign, on small and huge amounts
def cents_strategy():
    """Small amounts, where the sign and padding cases are, mixed with ints of every size."""
    return st.one_of(st.integers(min_value=-100_000, max_value=100_000), st.integers())


def check_cents_roundtrip(format_cents, cents: int) -> None:
    """Assert what must hold for `format_cents` at the amount `cents`."""
    import re

    text = format_cents(cents)
    assert type(text) is str
    assert re.fullmatch(r"-?(0|[1-9][0-9]{0,2}(,[0-9]{3})*)\.[0-9]{2}", text), f"bad shape: {text!r}"
    assert text.startswith("-") == (cents < 0), f"wrong sign in {text!r} for {cents}"
    digits = text.lstrip("-").replace(",", "").replace(".", "")
    assert int(digits) == abs(cents), f"{text!r} is not {cents} cents"
