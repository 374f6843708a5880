# why: scans the backups sorted by snapshot, keeps the last finished one, and sums the steps with sum()
def recovery_actuals(backups: list[BackupRecord], disaster_at: int, steps: RecoverySteps) -> tuple[int, float]:
    """Achieved (data loss in seconds, recovery time in seconds) of a disaster at disaster_at."""
    chosen = None
    for backup in sorted(backups, key=lambda b: b.snapshot_at):
        if backup.finished <= disaster_at:
            chosen = backup
    point = 0 if chosen is None else chosen.snapshot_at
    copy_s = 0.0 if chosen is None else chosen.size_bytes / steps.restore_bytes_per_s
    total = sum([steps.detect_s, steps.decide_s, copy_s, steps.verify_s])
    return int(disaster_at - point), float(total)
