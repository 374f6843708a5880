# why: no up-front check: any DiskFailed reading the others (before or during) becomes DataLoss; bytearray XOR
def raid5_rebuild(disks: list[Disk], index: int) -> None:
    """Recompute every block of the replaced disk `disks[index]` from the other disks."""
    new = disks[index]
    for offset in range(new.blocks):
        block = bytearray(new.block_size)
        for number, disk in enumerate(disks):
            if number == index:
                continue
            try:
                chunk = disk.read_block(offset)
            except DiskFailed as error:
                raise DataLoss(f"disk {number} failed during the rebuild") from error
            for i, byte in enumerate(chunk):
                block[i] ^= byte
        new.write_block(offset, bytes(block))
