"""The grading kernel: install the guard before any submitted code runs, then run ipykernel.

Runs inside the sandbox as ``python kernel.py -f CONNECTION_FILE`` with ``ENG101_GUARD`` naming a
JSON file (written by the grader, deleted here at once) that holds the witness key, the pipe to
report on and the modules the test cells import. Only the standard library, ipykernel and the
compiled witness (``_witness``, beside this file) are used: the grader package is not in the sandbox.

The witness (``_witness.c``) is a PEP 578 audit hook written in C, which Python offers no way to
remove, installed before ipykernel starts. The hidden tests come in the config file, are compiled here
and handed to the witness, and the file is deleted, all before the first cell: the notebook's test
cells are only triggers (``sys.audit("eng101.test", NONCE)``), so no submitted code can read, copy or
rehearse a hidden test. The witness runs each test once, in a namespace of its own (see
``_witness.c``), vouches for it with an HMAC whose key never exists in a Python object, and checks
before and after that the watched modules (the course's helpers, the modules the instructor's cells
import, ``importlib``, builtins) still hold the functions, classes, members and closures recorded
here. It ends the kernel at the first act of tampering that leaves no trace in that state: tracing
or profiling (except by the course's own tools), garbage-collector introspection, ``ctypes``,
building code objects, rewriting the code or defaults of a function that existed at start, opening
``/proc/*/mem`` or file-descriptor links, and handing a frame to submitted code while a hidden test
runs or a course tool traces. It reports ``TAMPER <what>`` on the pipe first.

The policy is in C, not in a Python hook, for a second reason: a Python audit hook can switch
threads in the middle of ``sys.settrace``, which CPython 3.11 then refuses in the other thread
("Cannot install a trace function while another trace function is being installed").
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

#: IPython and ipykernel put these into builtins around each cell (input: forwarded to the client).
CELL_BUILTINS = frozenset({"exit", "quit", "get_ipython", "display", "__IPYTHON__", "_", "__", "___", "input"})
#: Modules whose classes and functions submitted code must not rewrite (with their submodules),
#: besides those the witness watches.
MACHINERY = ("IPython", "ipykernel", "traitlets", "jupyter_client", "jupyter_core", "zmq", "tornado",
             "asyncio", "builtins", "sys", "importlib", "eng101", "_witness", "kernel", "comm")


def _snapshot(names: list[str]) -> tuple[list[Any], list[Any], set[Any], set[int]]:
    """What the witness watches: functions, classes and modules of the named modules (and their
    loaded submodules), the contents of those functions' closures, their code objects, and the ids
    of those classes and functions (and of the functions in those classes) for the policy."""
    import types

    watched, cells, codes, frozen = [], [], set(), set()
    kinds = (types.FunctionType, types.BuiltinFunctionType, type, types.ModuleType, types.MethodType)
    # what a class's behaviour is made of (not its caches and counters, which change as it is used)
    members_kinds = (types.FunctionType, classmethod, staticmethod, property, type, types.BuiltinFunctionType,
                     types.WrapperDescriptorType, types.MethodDescriptorType)

    def collect_code(code: Any) -> None:
        if code in codes:
            return
        codes.add(code)
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                collect_code(const)

    roots = tuple(names)
    for name, module in sorted(sys.modules.items()):
        if not isinstance(module, types.ModuleType) or not any(name == r or name.startswith(r + ".") for r in roots):
            continue
        namespace = vars(module)
        kept = {key: value for key, value in namespace.items() if isinstance(value, kinds)}
        watched.append((name, module, namespace, kept))
        for key, value in kept.items():
            functions = [value] if isinstance(value, types.FunctionType) else []
            if isinstance(value, type):
                frozen.add(id(value))
                members = {k: v for k, v in vars(value).items() if isinstance(v, members_kinds)}
                if getattr(value, "__module__", None) == name and members:  # once, where it is defined
                    watched.append((f"{name}.{value.__qualname__}", None, value, members))
                functions += [v for v in members.values() if isinstance(v, types.FunctionType)]
                functions += [v.__func__ for v in members.values() if isinstance(v, classmethod | staticmethod)]
                functions += [f for v in members.values() if isinstance(v, property)
                              for f in (v.fget, v.fset, v.fdel) if isinstance(f, types.FunctionType)]
            functions = [function for function in functions if isinstance(function, types.FunctionType)]
            frozen.update(id(function) for function in functions)
            for function in functions:
                inner = function
                while isinstance(inner, types.FunctionType):  # decorators: the function they wrap too
                    collect_code(inner.__code__)
                    inner = getattr(inner, "__wrapped__", None)
                for index, cell in enumerate(function.__closure__ or ()):
                    try:
                        cells.append((f"{name}.{key}[{index}]", cell, cell.cell_contents))
                    except ValueError:
                        pass
    return watched, cells, codes, frozen


def _compile_tests(shell: Any, sources: dict[str, list[str]],
                   builtin_names: set[str]) -> tuple[dict[str, Any], set[Any], dict[str, tuple[str, ...]]]:
    """The hidden tests' code objects by nonce (IPython's transforms first, as for any cell: magics),
    every code object in them, and per test the builtins its nested functions read (they look them
    up in the notebook's namespace, where the witness checks that none is hidden). A test that does
    not compile runs as a raise of its error."""
    import dis
    import types

    tests, nested, shadowable = {}, set(), {}
    for nonce, (name, source) in sources.items():
        try:
            code = compile(shell.transform_cell(source), f"<test {name}>", "exec", dont_inherit=True)
        except SyntaxError as error:
            code = compile(f"raise SyntaxError({str(error)!r})", f"<test {name}>", "exec", dont_inherit=True)
        tests[nonce] = code
        pending, names = [code], set()
        while pending:
            current = pending.pop()
            nested.add(current)
            inner = [const for const in current.co_consts if isinstance(const, types.CodeType)]
            if current is not code:
                names.update(current.co_names)
            pending += inner
        assigned = {instruction.argval for instruction in dis.get_instructions(code)  # the test's own names
                    if instruction.opname in ("STORE_NAME", "DELETE_NAME")}
        shadowable[nonce] = tuple(sorted((names & builtin_names) - assigned))
    return tests, nested, shadowable


def main() -> None:
    config_path = os.environ.pop("ENG101_GUARD")
    with open(config_path, encoding="utf-8") as handle:
        config = json.load(handle)
    os.unlink(config_path)
    report_fd = os.open(config["pipe"], os.O_WRONLY | os.O_CLOEXEC)
    sys.path.insert(0, config["witness_dir"])
    import _witness  # noqa: PLC0415 - beside this file, compiled by the grader

    _witness.install(bytes.fromhex(config.pop("key")), report_fd)
    import ctypes  # imported now: loading it later is forbidden

    try:  # no other process (not even a child) may read or write this one's memory
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except (OSError, AttributeError):
        pass
    course_tools = os.path.join(config["course_tools"], "")
    library_roots = tuple(sorted({os.path.join(p, "") for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
                                 | {course_tools}))

    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(sys.argv[1:])
    for name in config["watch"]:
        try:
            __import__(name)
        except Exception:  # noqa: BLE001 - the notebook will say so itself
            pass
    shell = app.shell
    builtins_dict = vars(__import__("builtins"))
    watch_roots = sorted({"eng101", "importlib", "builtins", *config["watch"]})
    watched, cells, codes, frozen = _snapshot(watch_roots)
    machinery = _snapshot(list(MACHINERY))[3]
    watched = [entry for entry in watched if entry[0] != "builtins"]
    kept_builtins = {key: value for key, value in builtins_dict.items() if key not in CELL_BUILTINS}
    watched.append(("builtins", None, builtins_dict, kept_builtins))
    trusted = frozenset(code for code in codes if code.co_filename.startswith(course_tools))
    test_builtins = {key: value for key, value in kept_builtins.items()
                     if key not in config["answer_names"] and not key.startswith("__")}
    tests, nested, shadowable = _compile_tests(shell, config.pop("tests"), set(test_builtins))
    import inspect
    import logging
    import pathlib
    import threading
    import traceback

    exporting = frozenset(function.__code__ for function in (
        inspect.currentframe, inspect.stack, inspect.trace, inspect.getouterframes, inspect.getinnerframes,
        traceback.walk_stack, traceback.walk_tb, logging.currentframe) if hasattr(function, "__code__"))
    _witness.arm(shell.user_ns, builtins_dict, watched, cells, frozenset(frozen | machinery), trusted,
                 library_roots, vars(threading), pathlib.PosixPath, tests, frozenset(nested), exporting,
                 test_builtins, shadowable)
    config_witness_dir = config["witness_dir"]
    del watched, cells, codes, frozen, machinery, kept_builtins, config, tests, nested, test_builtins, shadowable
    sys.path.remove(config_witness_dir)
    app.start()


if __name__ == "__main__":
    main()
