# why: multiprocessing.Pool, spawn context, starmap over (func, chunk) pairs; works as all it sends is importable
# ruff: noqa: F821 - split_into_chunks comes from Exercise 2's cell
def parallel_map(func, items: list, *, workers: int = 2, chunks_per_worker: int = 4) -> list:
    """`[func(x) for x in items]`, computed chunk by chunk in `workers` processes."""
    import itertools
    import multiprocessing

    from eng101.concurrency import apply_to_chunk

    if workers < 1:
        raise ValueError("workers must be at least 1")
    chunks = split_into_chunks(list(items), workers * chunks_per_worker)
    if not chunks:
        return []
    with multiprocessing.get_context("spawn").Pool(processes=workers) as pool:
        per_chunk = pool.starmap(apply_to_chunk, [(func, chunk) for chunk in chunks])
        pool.close()
        pool.join()
    return list(itertools.chain.from_iterable(per_chunk))
