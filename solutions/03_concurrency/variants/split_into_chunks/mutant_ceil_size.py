# why: uses a fixed chunk size of ceil(n / k), so 10 items in 4 chunks become 3, 3, 3, 1
def split_into_chunks(items: list, n_chunks: int) -> list[list]:
    """Contiguous chunks of `items`, as equal in size as possible, none empty."""
    import math

    if n_chunks < 1:
        raise ValueError("n_chunks must be at least 1")
    if not items:
        return []
    size = math.ceil(len(items) / n_chunks)
    return [list(items[i:i + size]) for i in range(0, len(items), size)]
