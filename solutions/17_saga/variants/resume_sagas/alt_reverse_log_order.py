# why: compensates in the reverse order of the try events found in the log, skipping those already undone
from collections.abc import Callable


def resume_sagas(log: SagaLog, steps_for: Callable[[str], list[Step]]) -> dict[str, str]:
    """Finish every saga the log shows as unfinished: completed if all steps are done, else compensate."""
    outcomes = {}
    for saga_id in log.saga_ids():
        events = log.events(saga_id)
        if any(event in ("completed", "compensated") for event, _ in events):
            continue
        steps = {step.name: step for step in steps_for(saga_id)}
        done = [name for event, name in events if event == "done"]
        if not any(event == "failed" for event, _ in events) and set(done) >= set(steps):
            log.append(saga_id, "completed")
            outcomes[saga_id] = "completed"
            continue
        undone = {name for event, name in events if event == "undone"}
        tried = [name for event, name in events if event == "try"]
        for name in reversed(tried):
            if name not in undone:
                steps[name].compensation()
                log.append(saga_id, "undone", name)
                undone.add(name)
        log.append(saga_id, "compensated")
        outcomes[saga_id] = "compensated"
    return outcomes
