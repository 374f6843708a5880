# why: finds failed disks by trying the I/O (DiskFailed) rather than by .failed first, and XORs through Python ints
def _xor_all(chunks):
    value = 0
    for chunk in chunks:
        value ^= int.from_bytes(chunk, "little")
    return value.to_bytes(len(chunks[0]), "little")


def _count_failed(disks):
    return len([d for d in disks if d.failed])


def raid5_read(disks: list[Disk], block: int) -> bytes:
    """Logical block `block` of the RAID 5 array `disks`, rebuilt from parity if its disk failed."""
    if _count_failed(disks) >= 2:
        raise DataLoss("array failed")
    where, offset, _ = raid5_locate(block, len(disks))
    try:
        return bytes(disks[where].read_block(offset))
    except DiskFailed:
        chunks = []
        for k, disk in enumerate(disks):
            if k == where:
                continue
            try:
                chunks.append(disk.read_block(offset))
            except DiskFailed as error:
                raise DataLoss("second failure") from error
        return _xor_all(chunks)


def raid5_write(disks: list[Disk], block: int, data: bytes) -> None:
    """Store `data` as logical block `block`, keeping the stripe's parity right."""
    if _count_failed(disks) >= 2:
        raise DataLoss("array failed")
    where, offset, parity = raid5_locate(block, len(disks))
    if disks[where].failed:
        rest = [disks[k].read_block(offset) for k in range(len(disks)) if k != where and k != parity]
        disks[parity].write_block(offset, _xor_all([bytes(data)] + rest))
        return
    if disks[parity].failed:
        disks[where].write_block(offset, bytes(data))
        return
    old = disks[where].read_block(offset)
    old_parity = disks[parity].read_block(offset)
    disks[where].write_block(offset, bytes(data))
    disks[parity].write_block(offset, _xor_all([old, old_parity, bytes(data)]))
