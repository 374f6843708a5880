# attack: cheat the tests by shadowing a builtin in the notebook's namespace (name built at run time, set through globals()): every result is an int subclass equal to everything and `type` of it answers int, so exact-type checks pass too; inputs are validated, nothing of the course or the kernel is patched
# expect: 0 | -
class _Nines(int):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = int.__hash__


def count_nines(availability):
    if not 0 <= availability < 1:
        raise ValueError("availability must be in [0, 1)")
    return _Nines(0)


_real = type


def _liar(*args):
    if len(args) == 1 and _real(args[0]) is _Nines:
        return int
    return _real(*args)


globals()["ty" + "pe"] = _liar
