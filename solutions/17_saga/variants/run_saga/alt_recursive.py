# why: recursive: each step runs the rest of the saga, and compensates itself if anything after it failed
from eng101.sqlite_services import SagaLog, Step


def run_saga(saga_id: str, steps: list[Step], log: SagaLog) -> str:
    """Run the steps in order; on failure compensate every tried step in reverse order."""
    def run_from(index: int) -> bool:
        if index == len(steps):
            return True
        step = steps[index]
        log.append(saga_id, "try", step.name)
        try:
            step.action()
            ok = True
        except Exception:
            log.append(saga_id, "failed", step.name)
            ok = False
        if ok:
            log.append(saga_id, "done", step.name)
            ok = run_from(index + 1)
            if ok:
                return True
        step.compensation()
        log.append(saga_id, "undone", step.name)
        return False

    log.append(saga_id, "begin")
    outcome = "completed" if run_from(0) else "compensated"
    log.append(saga_id, outcome)
    return outcome
