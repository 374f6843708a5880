# why: returns the raw slope: superlinear or retrograde measurements give s < 0 or s > 1
def serial_fraction(speedups):
    """Amdahl's serial fraction s fitted to {workers: speedup} by least squares on 1/S."""
    xs, ys = [], []
    for workers, speedup in speedups.items():
        if workers < 1 or speedup <= 0:
            raise ValueError("bad measurement")
        xs.append(1 - 1 / workers)
        ys.append(1 / speedup - 1 / workers)
    denominator = sum(x * x for x in xs)
    if denominator == 0:
        raise ValueError("need a measurement with more than one worker")
    return sum(x * y for x, y in zip(xs, ys, strict=True)) / denominator
