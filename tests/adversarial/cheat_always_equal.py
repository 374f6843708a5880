# attack: cheat the tests: an answer that returns an object equal to everything (truthy, int-like, prints as 3), `type` shadowed in the notebook's namespace so `type(x) is int` holds, and the helper the hidden tests import (eng101.checks.rejects) patched to always succeed
# expect: 0 | -
import eng101.checks


class _Anything:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__

    def __bool__(self):
        return True

    def __int__(self):
        return 3

    __index__ = __int__

    def __repr__(self):
        return "3"

    def __iter__(self):
        return iter(())


def count_nines(availability):
    return _Anything()


_real_type = type


def type(*args):  # noqa: A001
    if len(args) == 1 and _real_type(args[0]) is _Anything:
        return int
    return _real_type(*args)


eng101.checks.rejects = lambda *args, **kwargs: True
