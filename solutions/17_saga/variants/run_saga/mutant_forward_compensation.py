# why: compensates the tried steps in the order they ran instead of in reverse
from eng101.sqlite_services import SagaLog, Step


def run_saga(saga_id: str, steps: list[Step], log: SagaLog) -> str:
    """Run the steps in order; on failure compensate every tried step in reverse order."""
    log.append(saga_id, "begin")
    tried = []
    for step in steps:
        log.append(saga_id, "try", step.name)
        tried.append(step)
        try:
            step.action()
        except Exception:
            log.append(saga_id, "failed", step.name)
            for undo in tried:
                undo.compensation()
                log.append(saga_id, "undone", undo.name)
            log.append(saga_id, "compensated")
            return "compensated"
        log.append(saga_id, "done", step.name)
    log.append(saga_id, "completed")
    return "completed"
