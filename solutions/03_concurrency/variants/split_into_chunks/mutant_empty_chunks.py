# why: always returns n_chunks slices, so asking for more chunks than items gives empty chunks (empty tasks)
def split_into_chunks(items: list, n_chunks: int) -> list[list]:
    """Contiguous chunks of `items`, as equal in size as possible, none empty."""
    if n_chunks < 1:
        raise ValueError("n_chunks must be at least 1")
    if not items:
        return []
    n = len(items)
    return [list(items[i * n // n_chunks:(i + 1) * n // n_chunks]) for i in range(n_chunks)]
