# why: lets ProcessPoolExecutor.map do the chunking (chunksize) and keep the order; forkserver context
def parallel_map(func, items: list, *, workers: int = 2, chunks_per_worker: int = 4) -> list:
    """`[func(x) for x in items]`, computed chunk by chunk in `workers` processes."""
    import math
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if workers < 1:
        raise ValueError("workers must be at least 1")
    items = list(items)
    if not items:
        return []
    chunksize = max(1, math.ceil(len(items) / (workers * chunks_per_worker)))
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        return list(pool.map(func, items, chunksize=chunksize))
