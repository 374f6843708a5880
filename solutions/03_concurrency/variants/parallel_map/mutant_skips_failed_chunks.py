# why: "robust" error handling that logs nothing and skips a chunk whose task failed, returning a shorter list
# ruff: noqa: F821 - split_into_chunks comes from Exercise 2's cell
def parallel_map(func, items: list, *, workers: int = 2, chunks_per_worker: int = 4) -> list:
    """`[func(x) for x in items]`, computed chunk by chunk in `workers` processes."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from eng101.concurrency import apply_to_chunk

    if workers < 1:
        raise ValueError("workers must be at least 1")
    chunks = split_into_chunks(list(items), workers * chunks_per_worker)
    results = []
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        for future in [pool.submit(apply_to_chunk, func, chunk) for chunk in chunks]:
            try:
                results.extend(future.result())
            except Exception:
                continue
    return results
