# why: inverts Amdahl's law at the largest worker count only; exact on ideal data, off on noisy measurements
def serial_fraction(speedups):
    """Amdahl's serial fraction s fitted to {workers: speedup} by least squares on 1/S."""
    for workers, speedup in speedups.items():
        if workers < 1 or speedup <= 0:
            raise ValueError("bad measurement")
    many = [n for n in speedups if n > 1]
    if not many:
        raise ValueError("need a measurement with more than one worker")
    n = max(many)
    return min(1.0, max(0.0, (1 / speedups[n] - 1 / n) / (1 - 1 / n)))
