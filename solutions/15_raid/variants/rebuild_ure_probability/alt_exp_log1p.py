# why: 1 - exp(bits * log1p(-p)) (exp instead of expm1), and the bit count computed as TB * 8e12
import math


def rebuild_ure_probability(surviving_disks: int, disk_tb: float, ure_per_bit: float) -> float:
    """P(at least one unrecoverable read error) while reading every surviving disk once."""
    if surviving_disks < 1:
        raise ValueError("at least one surviving disk")
    if disk_tb <= 0:
        raise ValueError("disk size must be positive")
    if ure_per_bit < 0 or ure_per_bit >= 1:
        raise ValueError("a probability in [0, 1)")
    log_no_error = surviving_disks * disk_tb * 8e12 * math.log1p(-ure_per_bit)
    return float(1.0 - math.exp(log_no_error))
