# why: no recursion: an explicit stack evaluates the tree bottom-up, validating as it goes
def availability(node) -> float:
    """Availability of a component or of a series/parallel composition of them."""
    results = {}
    stack = [(node, False)]
    for _ in range(1_000_000):
        if not stack:
            break
        current, expanded = stack.pop()
        key = id(current)
        if type(current) in (int, float):
            if current < 0 or current > 1:
                raise ValueError("availability out of range")
            results[key] = float(current)
        elif type(current) is tuple and len(current) == 3 and current[0] == "mtbf":
            up, repair = current[1], current[2]
            if up <= 0 or repair < 0:
                raise ValueError("bad MTBF/MTTR")
            results[key] = up / (up + repair)
        elif type(current) is tuple and len(current) == 2 and current[0] in ("series", "parallel"):
            parts = list(current[1])
            if not parts:
                raise ValueError("empty composition")
            if not expanded:
                stack.append((current, True))
                stack.extend((part, False) for part in parts)
                continue
            value = 1.0
            for part in parts:
                value *= results[id(part)] if current[0] == "series" else 1.0 - results[id(part)]
            results[key] = value if current[0] == "series" else 1.0 - value
        else:
            raise ValueError(f"unknown node {current!r}")
    return results[id(node)]
