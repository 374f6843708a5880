# why: creates a new Semaphore inside each task, so every task has its own slot and there is no limit at all
async def fetch_all(names: list[str], fetch, *, limit: int, timeout: float) -> list:
    """Results of `await fetch(name)` in the order of `names`; exceptions in place of failures."""
    import asyncio

    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")

    async def one(name):
        async with asyncio.Semaphore(limit):
            try:
                return await asyncio.wait_for(fetch(name), timeout)
            except Exception as error:
                return error

    return list(await asyncio.gather(*(one(name) for name in names)))
