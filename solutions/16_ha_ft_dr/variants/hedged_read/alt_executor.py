# why: concurrent.futures: a two-worker pool and futures.wait(FIRST_COMPLETED) instead of a queue
def hedged_read(primary, backup, hedge_after: float, timeout: float) -> str:
    """Read from `primary`, hedge to `backup` after `hedge_after` s (or on an error); first answer wins."""
    import threading
    import time
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    deadline = time.monotonic() + timeout
    pool = ThreadPoolExecutor(max_workers=2)
    try:
        events = {}
        primary_cancel = threading.Event()
        events[pool.submit(primary, primary_cancel)] = primary_cancel
        pending = set(events)
        hedged = False
        last_error = None
        for _ in range(10_000):
            now = time.monotonic()
            if not hedged and (not pending or now >= deadline - timeout + hedge_after):
                backup_cancel = threading.Event()
                future = pool.submit(backup, backup_cancel)
                events[future] = backup_cancel
                pending.add(future)
                hedged = True
            if not pending:
                raise last_error
            limit = deadline if hedged else min(deadline, deadline - timeout + hedge_after)
            done, pending = wait(pending, timeout=max(0.0, limit - time.monotonic()), return_when=FIRST_COMPLETED)
            for future in done:
                if future.exception() is None:
                    for other, cancel in events.items():
                        if other is not future:
                            cancel.set()
                    return future.result()
                last_error = future.exception()
            if not done and time.monotonic() >= deadline:
                for cancel in events.values():
                    cancel.set()
                raise TimeoutError("no answer in time")
        raise TimeoutError("gave up")
    finally:
        pool.shutdown(wait=False)
