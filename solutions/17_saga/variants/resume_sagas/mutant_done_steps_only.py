# why: compensates only the steps logged as done: a step in flight at the crash (tried, maybe committed) stays
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
        undone = {step for event, step in events if event == "undone"}
        for step in reversed(steps):
            if step.name in done and step.name not in undone:
                step.compensation()
                log.append(saga_id, "undone", step.name)
        log.append(saga_id, "compensated")
        finished[saga_id] = "compensated"
    return finished
