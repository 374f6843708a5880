# why: plain threads writing into a shared dict under a Condition, waited on with wait_for and deadlines
def hedged_read(primary, backup, hedge_after: float, timeout: float) -> str:
    """Read from `primary`, hedge to `backup` after `hedge_after` s (or on an error); first answer wins."""
    import threading
    import time

    condition = threading.Condition()
    answers, errors, cancels = [], [], []

    def launch(replica):
        cancel = threading.Event()
        cancels.append(cancel)

        def work():
            try:
                answer = replica(cancel)
            except Exception as error:
                with condition:
                    errors.append(error)
                    condition.notify_all()
                return
            with condition:
                answers.append((answer, cancel))
                condition.notify_all()

        threading.Thread(target=work, daemon=True).start()

    begin = time.monotonic()
    launch(primary)
    with condition:
        condition.wait_for(lambda: answers or errors, timeout=min(hedge_after, timeout))
        if not answers:
            launch(backup)
            remaining = timeout - (time.monotonic() - begin)
            condition.wait_for(lambda: answers or len(errors) == 2, timeout=max(0.0, remaining))
        if answers:
            answer, winner = answers[0]
            for cancel in cancels:
                if cancel is not winner:
                    cancel.set()
            return answer
        if len(errors) == 2:
            raise errors[-1]
    for cancel in cancels:
        cancel.set()
    raise TimeoutError("no replica answered in time")
