# why: closed forms of left-symmetric: block b on disk b mod N, parity of stripe s on disk N-1-(s mod N)
def raid5_locate(block: int, n_disks: int) -> tuple[int, int, int]:
    """(disk, offset, parity_disk) of a logical block in a left-symmetric RAID 5 of n_disks disks."""
    if not n_disks >= 3 or not block >= 0:
        raise ValueError("need n_disks >= 3 and block >= 0")
    offset = block // (n_disks - 1)
    return block % n_disks, offset, n_disks - 1 - offset % n_disks
