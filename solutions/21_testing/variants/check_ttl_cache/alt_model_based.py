# why: model-based: seeded random operations on the cache and on a dict model, every answer compared; plus one scenario
def check_ttl_cache(Cache: type) -> None:
    """Return if `Cache` honours the TTLCache contract; raise (AssertionError) if it does not."""
    import random

    for capacity, ttl in [(0, 4), (3, 0)]:
        try:
            Cache(capacity, ttl, clock=FakeClock())
        except ValueError:
            continue
        raise AssertionError(f"Cache({capacity}, {ttl}) was accepted")

    ttl = 4
    rng = random.Random(21)
    for _ in range(30):
        capacity = rng.randint(1, 3)
        clock = FakeClock()
        cache = Cache(capacity, ttl, clock=clock)
        model = {}  # the live entries: key -> (written_at, value), least recently used first
        for step in range(40):
            now = clock()
            model = {key: entry for key, entry in model.items() if now < entry[0] + ttl}
            operation, key = rng.choice(["get", "get", "put", "put", "len", "tick"]), rng.choice("abcde")
            if operation == "put":
                value = rng.choice([0, None, step])
                if key in model:
                    del model[key]
                elif len(model) >= capacity:
                    del model[next(iter(model))]
                model[key] = (now, value)
                cache.put(key, value)
            elif operation == "get":
                expected = "missing"
                if key in model:
                    model[key] = model.pop(key)
                    expected = model[key][1]
                got = cache.get(key, "missing")
                assert type(got) is type(expected) and got == expected, f"get({key!r}) = {got!r}, expected {expected!r}"
            elif operation == "len":
                assert len(cache) == len(model), f"len = {len(cache)}, expected {len(model)}"
            else:
                clock.advance(rng.choice([1, 2]))  # whole seconds, so t + ttl is hit exactly

    # the entry used last expires first: putting a new key must drop it, not the live one
    clock = FakeClock()
    cache = Cache(2, ttl, clock=clock)
    cache.put("old", 1)
    clock.advance(1)
    cache.put("young", 2)
    cache.get("old")
    clock.advance(3)
    cache.put("new", 3)
    assert cache.get("young") == 2, "a live entry was evicted while an expired one was still stored"
