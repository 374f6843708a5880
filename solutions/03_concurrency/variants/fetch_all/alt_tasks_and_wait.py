# why: creates tasks explicitly, waits for all with asyncio.wait, then reads each task's result or exception in order
import asyncio


async def _bounded(slots, fetch, name, timeout):
    async with slots:
        return await asyncio.wait_for(fetch(name), timeout=timeout)


async def fetch_all(names: list[str], fetch, *, limit: int, timeout: float) -> list:
    """Results of `await fetch(name)` in the order of `names`; exceptions in place of failures."""
    if not limit >= 1:
        raise ValueError(limit)
    if not names:
        return []
    slots = asyncio.BoundedSemaphore(limit)
    tasks = [asyncio.create_task(_bounded(slots, fetch, name, timeout)) for name in names]
    await asyncio.wait(tasks)
    return [task.exception() if task.exception() is not None else task.result() for task in tasks]
