# why: retries a failing compensation three times before it lets the error propagate (a transient fault heals)
from eng101.sqlite_services import SagaLog, Step


def run_saga(saga_id: str, steps: list[Step], log: SagaLog) -> str:
    """Run the steps in order; on failure compensate every tried step in reverse order."""
    log.append(saga_id, "begin")
    for index, step in enumerate(steps):
        log.append(saga_id, "try", step.name)
        try:
            step.action()
        except Exception:
            log.append(saga_id, "failed", step.name)
            for tried in reversed(steps[: index + 1]):
                for attempt in range(3):
                    try:
                        tried.compensation()
                        break
                    except Exception:
                        if attempt == 2:
                            raise
                log.append(saga_id, "undone", tried.name)
            log.append(saga_id, "compensated")
            return "compensated"
        log.append(saga_id, "done", step.name)
    log.append(saga_id, "completed")
    return "completed"
