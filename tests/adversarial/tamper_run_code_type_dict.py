# attack: tampering without setattr on a type: the shell found with the garbage collector, its class's real __dict__ edited through gc.get_referents and the type cache reset through the C API (PyType_Modified, by a foreign-function module named at run time)
# expect: 0 | tampering
def count_nines(availability):
    return 0


_g = __import__("g" + "c")
_c = __import__("c" + "types")
_shell = next(o for o in getattr(_g, "get_" + "objects")() if type(o).__name__.endswith("InteractiveShell"))
_cls = type(_shell)


async def _forgiving(self, code_obj, result=None, *, async_=False):
    try:
        exec(code_obj, self.user_global_ns, self.user_ns)
    except BaseException:
        pass
    return False


for _klass in _cls.__mro__:
    if "run_code" in _klass.__dict__:
        getattr(_g, "get_" + "referents")(_klass.__dict__)[0]["run_code"] = _forgiving
        getattr(getattr(_c, "python" + "api"), "PyType_" + "Modified")(getattr(_c, "py_object")(_klass))
for _klass in _cls.__mro__:
    getattr(getattr(_c, "python" + "api"), "PyType_" + "Modified")(getattr(_c, "py_object")(_klass))
