# why: chunk boundaries at i*n//k (the larger chunks end up spread out, not first), returned as tuples
def split_into_chunks(items: list, n_chunks: int) -> list[list]:
    """Contiguous chunks of `items`, as equal in size as possible, none empty."""
    if n_chunks <= 0:
        raise ValueError("need at least one chunk")
    n = len(items)
    k = min(n, n_chunks)
    return [tuple(items[i * n // k:(i + 1) * n // k]) for i in range(k)]
