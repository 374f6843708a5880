# why: structural pattern matching and functools.reduce over unavailabilities instead of math.prod
def availability(node) -> float:
    """Availability of a component or of a series/parallel composition of them."""
    from functools import reduce

    match node:
        case bool():
            raise ValueError("a bool is not an availability")
        case int() | float() if 0.0 <= node <= 1.0:
            return float(node)
        case ("mtbf", mtbf, mttr) if mtbf > 0 and mttr >= 0:
            return float(mtbf) / (float(mtbf) + float(mttr))
        case ("series", [*parts]) if parts:
            return reduce(lambda total, part: total * availability(part), parts, 1.0)
        case ("parallel", [*parts]) if parts:
            down = reduce(lambda total, part: total * (1.0 - availability(part)), parts, 1.0)
            return 1.0 - down
    raise ValueError(f"not a valid node: {node!r}")
