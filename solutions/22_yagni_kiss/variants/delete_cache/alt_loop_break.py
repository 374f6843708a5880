# why: the original's loop without the cache: slice, stop at a short batch when drop_last
def make_batches(items, batch_size, drop_last=False):
    """Consecutive batches of `batch_size` items (lists); a short last batch is dropped if `drop_last`."""
    if type(batch_size) is not int:
        raise TypeError(f"batch_size must be an int, got {type(batch_size).__name__}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    batches = []
    for start in range(0, len(items), batch_size):
        batch = list(items[start:start + batch_size])
        if drop_last and len(batch) < batch_size:
            break
        batches.append(batch)
    return batches
