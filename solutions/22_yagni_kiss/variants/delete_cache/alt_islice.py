# why: walks an iterator with itertools.islice instead of slicing by index
from itertools import islice


def make_batches(items, batch_size, drop_last=False):
    """Consecutive batches of `batch_size` items (lists); a short last batch is dropped if `drop_last`."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int):
        raise TypeError(f"batch_size must be an int, got {batch_size!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    iterator = iter(items)
    batches = []
    while batch := list(islice(iterator, batch_size)):
        if len(batch) == batch_size or not drop_last:
            batches.append(batch)
    return batches
