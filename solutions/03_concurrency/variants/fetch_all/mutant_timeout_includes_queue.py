# why: wraps the wait for a slot in the timeout too, so fetches queued behind others time out without being slow
async def fetch_all(names: list[str], fetch, *, limit: int, timeout: float) -> list:
    """Results of `await fetch(name)` in the order of `names`; exceptions in place of failures."""
    import asyncio

    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    slots = asyncio.Semaphore(limit)

    async def guarded(name):
        async with slots:
            return await fetch(name)

    async def one(name):
        try:
            return await asyncio.wait_for(guarded(name), timeout)
        except Exception as error:
            return error

    return list(await asyncio.gather(*(one(name) for name in names)))
