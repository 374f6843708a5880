# why: uses a thread pool, the natural first try: same results, but under the GIL pure-Python work gains nothing
# ruff: noqa: F821 - split_into_chunks comes from Exercise 2's cell
def parallel_map(func, items: list, *, workers: int = 2, chunks_per_worker: int = 4) -> list:
    """`[func(x) for x in items]`, computed chunk by chunk in `workers` processes."""
    from concurrent.futures import ThreadPoolExecutor

    from eng101.concurrency import apply_to_chunk

    if workers < 1:
        raise ValueError("workers must be at least 1")
    chunks = split_into_chunks(list(items), workers * chunks_per_worker)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = []
        for chunk_result in pool.map(apply_to_chunk, [func] * len(chunks), chunks):
            results.extend(chunk_result)
    return results
