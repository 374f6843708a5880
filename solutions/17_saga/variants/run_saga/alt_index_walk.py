# why: walks the steps by index and, on failure, counts back down from the failed index
def run_saga(saga_id: str, steps: list[Step], log: SagaLog) -> str:
    """Run the steps in order; on failure compensate every tried step in reverse order."""
    log.append(saga_id, "begin")
    failed_at = None
    for index, step in enumerate(steps):
        log.append(saga_id, "try", step.name)
        try:
            step.action()
        except Exception:
            log.append(saga_id, "failed", step.name)
            failed_at = index
            break
        log.append(saga_id, "done", step.name)
    if failed_at is None:
        log.append(saga_id, "completed")
        return "completed"
    for index in range(failed_at, -1, -1):
        steps[index].compensation()
        log.append(saga_id, "undone", steps[index].name)
    log.append(saga_id, "compensated")
    return "compensated"
