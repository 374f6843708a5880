# why: lets statistics.linear_regression(..., proportional=True) compute the slope through the origin
def serial_fraction(speedups):
    """Amdahl's serial fraction s, fitted by least squares to all the {workers: speedup} points."""
    import statistics

    if any(n < 1 or speedup <= 0 for n, speedup in speedups.items()):
        raise ValueError("need N >= 1 and positive speedups")
    points = [(1 - 1 / n, 1 / speedup - 1 / n) for n, speedup in speedups.items() if n > 1]
    if not points:
        raise ValueError("need a measurement with N > 1")
    xs, ys = zip(*points, strict=True)
    if len(xs) == 1:
        slope = ys[0] / xs[0]  # linear_regression wants two points; one point through the origin is exact
    else:
        slope = statistics.linear_regression(xs, ys, proportional=True).slope
    return float(min(1.0, max(0.0, slope)))
