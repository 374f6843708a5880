# why: the same least-squares slope through the origin, solved by numpy.linalg.lstsq
import numpy as np


def serial_fraction(speedups):
    """Amdahl's serial fraction s fitted to {workers: speedup} by least squares on 1/S."""
    n = np.array(list(speedups.keys()), dtype=float)
    s = np.array(list(speedups.values()), dtype=float)
    if n.size == 0 or (n < 1).any() or (s <= 0).any():
        raise ValueError("need N >= 1 and positive speedups")
    x = 1 - 1 / n
    if not (x > 0).any():
        raise ValueError("need N > 1 somewhere")
    (slope,), *_ = np.linalg.lstsq(x[:, None], 1 / s - 1 / n, rcond=None)
    return float(np.clip(slope, 0.0, 1.0))
