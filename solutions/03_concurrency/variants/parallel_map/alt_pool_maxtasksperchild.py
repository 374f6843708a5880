# why: Pool(maxtasksperchild=1), a fresh process per chunk: more pids than workers, never more at once
# ruff: noqa: F821 - split_into_chunks comes from Exercise 2's cell
def parallel_map(func, items: list, *, workers: int = 2, chunks_per_worker: int = 4) -> list:
    """`[func(x) for x in items]`, computed chunk by chunk in `workers` processes."""
    import multiprocessing

    from eng101.concurrency import apply_to_chunk

    if workers < 1:
        raise ValueError("workers must be at least 1")
    chunks = split_into_chunks(list(items), workers * chunks_per_worker)
    results = []
    with multiprocessing.get_context("fork").Pool(processes=workers, maxtasksperchild=1) as pool:
        pending = [pool.apply_async(apply_to_chunk, (func, chunk)) for chunk in chunks]
        for task in pending:
            results.extend(task.get())
    return results
