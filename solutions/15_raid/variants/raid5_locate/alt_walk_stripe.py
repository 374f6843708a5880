# why: builds the stripe's disk order (parity, then the data disks to its right, wrapping), indexes it
def raid5_locate(block: int, n_disks: int) -> tuple[int, int, int]:
    """(disk, offset, parity_disk) of a logical block in a left-symmetric RAID 5 of n_disks disks."""
    if n_disks < 3:
        raise ValueError("RAID 5 needs 3 disks or more")
    if block < 0:
        raise ValueError("logical blocks start at 0")
    per_stripe = n_disks - 1
    stripe = block // per_stripe
    parity = list(range(n_disks))[::-1][stripe % n_disks]
    order = [(parity + step) % n_disks for step in range(1, n_disks)]
    return tuple([order[block - stripe * per_stripe], stripe, parity])
