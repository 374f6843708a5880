# why: fits S(N) itself (nonlinear least squares) by a grid then a golden-section search over s in [0, 1]
def serial_fraction(speedups):
    """Amdahl's serial fraction s fitted to {workers: speedup} by least squares on S(N)."""
    points = list(speedups.items())
    if any(n < 1 or speedup <= 0 for n, speedup in points):
        raise ValueError("worker counts must be >= 1 and speedups positive")
    if not any(n > 1 for n, _ in points):
        raise ValueError("no measurement with more than one worker")

    def squared_error(s):
        return sum((speedup - 1 / (s + (1 - s) / n)) ** 2 for n, speedup in points)

    grid = [i / 1000 for i in range(1001)]
    best = min(range(len(grid)), key=lambda i: squared_error(grid[i]))
    low, high = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    ratio = (5 ** 0.5 - 1) / 2
    while high - low > 1e-12:
        left, right = high - ratio * (high - low), low + ratio * (high - low)
        if squared_error(left) <= squared_error(right):
            high = right
        else:
            low = left
    return min(1.0, max(0.0, (low + high) / 2))
