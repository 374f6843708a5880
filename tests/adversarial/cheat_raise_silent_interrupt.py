# attack: raise from inside the test, silently: the answer replays the running cell's last line (the grader's end-of-cell report, read from In[-1]) and raises a KeyboardInterrupt whose traceback renders as nothing and whose message and equality lie
# expect: 0 | -
class _Quiet(KeyboardInterrupt):
    def __str__(self):
        return "all tests passed"

    def __eq__(self, other):
        return True

    __hash__ = object.__hash__

    def _render_traceback_(self):
        return []


def count_nines(availability):
    lines = [line.strip() for line in In[-1].splitlines() if line.strip()]  # noqa: F821
    try:
        exec(lines[-1], globals())
    except Exception:
        pass
    raise _Quiet()
