# why: pushes each compensation on a stack before acting and unwinds the stack on failure
from eng101.sqlite_services import SagaLog, Step


def run_saga(saga_id: str, steps: list[Step], log: SagaLog) -> str:
    """Run the steps in order; on failure compensate every tried step in reverse order."""
    def record(event, name=None):
        log.append(saga_id, event, name)

    record("begin")
    undo_stack = []
    failed = False
    for name, action, compensation in steps:
        record("try", name)
        undo_stack.append((name, compensation))
        try:
            action()
        except Exception:
            record("failed", name)
            failed = True
            break
        record("done", name)
    if not failed:
        record("completed")
        return "completed"
    while undo_stack:
        name, compensation = undo_stack.pop()
        compensation()
        record("undone", name)
    record("compensated")
    return "compensated"
