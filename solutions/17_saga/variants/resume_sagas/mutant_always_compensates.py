# why: compensates every unfinished saga, even one whose steps all completed (forward recovery forgotten)
from collections.abc import Callable

from eng101.sqlite_services import SagaLog, Step


def resume_sagas(log: SagaLog, steps_for: Callable[[str], list[Step]]) -> dict[str, str]:
    """Finish every saga the log shows as unfinished: forward if all steps are done, else compensate."""
    finished = {}
    for saga_id in log.saga_ids():
        events = log.events(saga_id)
        if any(event in ("completed", "compensated") for event, _ in events):
            continue
        tried = {step for event, step in events if event == "try"}
        undone = {step for event, step in events if event == "undone"}
        for step in reversed(steps_for(saga_id)):
            if step.name in tried and step.name not in undone:
                step.compensation()
                log.append(saga_id, "undone", step.name)
        log.append(saga_id, "compensated")
        finished[saga_id] = "compensated"
    return finished
