# why: ProcessPoolExecutor.map over the chunks (it keeps their order), forkserver context, flattened
# ruff: noqa: F821 - split_into_chunks comes from Exercise 2's cell
def parallel_map(func, items: list, *, workers: int = 2, chunks_per_worker: int = 4) -> list:
    """`[func(x) for x in items]`, computed chunk by chunk in `workers` processes."""
    import itertools
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from eng101.concurrency import apply_to_chunk

    if workers < 1:
        raise ValueError("workers must be at least 1")
    chunks = split_into_chunks(list(items), workers * chunks_per_worker)
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        per_chunk = pool.map(apply_to_chunk, itertools.repeat(func), chunks)
        return list(itertools.chain.from_iterable(per_chunk))
