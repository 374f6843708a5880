# why: ignores the undone events and compensates every tried step again (harmless only if all are idempotent)
from collections.abc import Callable

from eng101.sqlite_services import SagaLog, Step


def resume_sagas(log: SagaLog, steps_for: Callable[[str], list[Step]]) -> dict[str, str]:
    """Finish every saga the log shows as unfinished: forward if all steps are done, else compensate."""
    finished = {}
    for saga_id in log.saga_ids():
        events = log.events(saga_id)
        kinds = [event for event, _ in events]
        if "completed" in kinds or "compensated" in kinds:
            continue
        steps = steps_for(saga_id)
        done = {step for event, step in events if event == "done"}
        if "failed" not in kinds and all(step.name in done for step in steps):
            log.append(saga_id, "completed")
            finished[saga_id] = "completed"
            continue
        tried = {step for event, step in events if event == "try"}
        for step in reversed(steps):
            if step.name in tried:
                step.compensation()
                log.append(saga_id, "undone", step.name)
        log.append(saga_id, "compensated")
        finished[saga_id] = "compensated"
    return finished
