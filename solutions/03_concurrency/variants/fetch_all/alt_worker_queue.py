# why: a fixed crew of `limit` workers pulls indices from an asyncio.Queue and writes results by index; asyncio.timeout
async def fetch_all(names: list[str], fetch, *, limit: int, timeout: float) -> list:
    """Results of `await fetch(name)` in the order of `names`; exceptions in place of failures."""
    import asyncio

    if limit < 1:
        raise ValueError("limit must be positive")
    results: list = [None] * len(names)
    queue: asyncio.Queue = asyncio.Queue()
    for index, name in enumerate(names):
        queue.put_nowait((index, name))

    async def worker():
        while True:
            try:
                index, name = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            try:
                async with asyncio.timeout(timeout):
                    results[index] = await fetch(name)
            except Exception as error:
                results[index] = error

    async with asyncio.TaskGroup() as group:
        for _ in range(min(limit, len(names))):
            group.create_task(worker())
    return results
