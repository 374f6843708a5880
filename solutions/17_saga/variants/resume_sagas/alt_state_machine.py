# why: replays the events into a per-step state dictionary, then decides per saga
from collections.abc import Callable

from eng101.sqlite_services import SagaLog, Step


def resume_sagas(log: SagaLog, steps_for: Callable[[str], list[Step]]) -> dict[str, str]:
    """Finish every saga the log shows as unfinished: completed if all steps are done, else compensate."""
    result = {}
    for saga_id in log.saga_ids():
        state = {}
        finished = False
        any_failed = False
        for event, name in log.events(saga_id):
            if event in ("completed", "compensated"):
                finished = True
            elif event == "failed":
                any_failed = True
                state[name] = "failed"
            elif event in ("try", "done", "undone"):
                state[name] = event
        if finished:
            continue
        steps = steps_for(saga_id)
        if not any_failed and all(state.get(step.name) == "done" for step in steps):
            log.append(saga_id, "completed")
            result[saga_id] = "completed"
            continue
        for step in steps[::-1]:
            if state.get(step.name) in ("try", "done", "failed"):
                step.compensation()
                log.append(saga_id, "undone", step.name)
        log.append(saga_id, "compensated")
        result[saga_id] = "compensated"
    return result
