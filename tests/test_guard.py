"""The grading kernel's guard (grader/guard): the witness vouches for exactly the code that ran, and
stops each act of tampering it polices. Each case runs a small program in a fresh interpreter that
installs and arms the real compiled witness, as grader/guard/kernel.py does, without a kernel."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader.guard import GuardSession, build_witness, expected_tag, modules_imported, top_level_names, trigger_source

REPO_ROOT = Path(__file__).resolve().parent.parent
KEY = bytes(range(32))
#: hidden tests held by the witness, by nonce
TESTS = {
    "doubles": textwrap.dedent('''
        from eng101.checks import rejects as _rejects
        _got = answer(2)
        assert type(_got) is int and _got == 4, f"answer(2) should be 4, got {_got!r}"
        assert _rejects(answer, -1) and len([1, 2]) == 2
    '''),
    "fails": "assert answer(3) == 7, 'answer(3) should be 7'\n",
    "frames": "_seen = peek()\n",
    "library": "_warned = warn_like_pandas()\n",
    "checked": "def _check(x):\n    assert type(x) is int and not isinstance(x, bool)\n    return x\n"
               "assert _check(answer(2)) == 4\n",
}

PRELUDE = textwrap.dedent('''
    import os, sys, threading, pathlib, inspect, logging, traceback
    sys.path.insert(0, {witness_dir!r})
    sys.path.insert(0, {guard_dir!r})
    import _witness
    from kernel import _snapshot
    import eng101.checks, eng101.concurrency
    report_fd = int(sys.argv[1])
    _witness.install(bytes(range(32)), report_fd)
    import builtins
    user_ns = {{"__name__": "__main__", "__builtins__": builtins}}
    watched, cells, codes, frozen = _snapshot(["eng101", "importlib", "builtins", "threading"])
    watched = [e for e in watched if e[0] != "builtins"]
    builtins_dict = vars(builtins)
    watched.append(("builtins", None, builtins_dict, dict(builtins_dict)))
    tools = os.path.join({tools!r}, "")
    trusted = frozenset(c for c in codes if c.co_filename.startswith(tools))
    roots = tuple(os.path.join(p, "") for p in (sys.prefix, sys.base_prefix)) + (tools,)
    tests = {{nonce: compile(source, "<test " + nonce + ">", "exec") for nonce, source in {tests!r}.items()}}
    exporting = frozenset(f.__code__ for f in (inspect.currentframe, inspect.stack, traceback.walk_stack,
                                               traceback.walk_tb, logging.currentframe))
    _witness.arm(user_ns, builtins_dict, watched, cells, frozenset(frozen), trusted, roots, vars(threading),
                 pathlib.PosixPath, tests, frozenset(tests.values()), exporting,
                 {{k: v for k, v in builtins_dict.items() if not k.startswith("__")}},
                 {{"checked": ("isinstance", "type")}})
    exec(compile("""
    def answer(x):
        if x < 0:
            raise ValueError(x)
        return x * 2
    """, "cell1.py", "exec"), user_ns)
    def run(nonce):
        exec(compile({trigger!r}.replace("NONCE", nonce), "trigger.py", "exec"), user_ns)
''')


def run_guarded(body: str) -> tuple[int, list[str], str]:
    """Run PRELUDE + body in a fresh interpreter: exit code, lines reported, stderr."""
    program = PRELUDE.format(witness_dir=str(build_witness()), guard_dir=str(REPO_ROOT / "grader" / "guard"),
                             tools=str(REPO_ROOT / "eng101"), tests=TESTS,
                             trigger=trigger_source("NONCE")) + textwrap.dedent(body)
    read_fd, write_fd = os.pipe()
    process = subprocess.run([sys.executable, "-c", program, str(write_fd)], pass_fds=(write_fd,),
                             capture_output=True, text=True, timeout=60, cwd=REPO_ROOT, check=False)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        lines = pipe.read().decode().splitlines()
    assert process.returncode in (0, 3), process.stderr
    return process.returncode, lines, process.stderr


def passed(lines: list[str]) -> dict[str, str]:
    return {line.split()[1]: line.split()[2] for line in lines if line.startswith("PASSED ")}


def test_a_held_test_runs_once_in_the_notebook_namespace_and_is_vouched_for() -> None:
    code, lines, stderr = run_guarded('''
        run("doubles")
        assert user_ns["_got"] == 4 and user_ns["_rejects"] is eng101.checks.rejects  # its names stay
        try:
            run("fails")
        except AssertionError as error:
            print("FAILED", error, file=sys.stderr)
        run("unknown-nonce")  # not a test of this notebook: nothing happens
        run("doubles")  # a second run is a rehearsal
    ''')
    assert passed(lines) == {"doubles": expected_tag(KEY, "doubles")}
    assert "FAILED answer(3) should be 7" in stderr
    assert code == 3 and lines[-1] == "TAMPER test-run-twice doubles", lines


def define(source: str) -> str:
    """A line of the guarded program that runs ``source`` as a notebook cell."""
    return f"exec(compile({textwrap.dedent(source)!r}, 'cell.py', 'exec'), user_ns)"


def test_what_the_test_binds_cannot_be_swapped_by_the_code_it_tests() -> None:
    shadows = 'user_ns["len"] = lambda x: 0; user_ns["type"] = lambda x: int'
    sabotage = define("""
        def answer(x):
            globals()["_rejects"] = lambda *a, **k: True   # rebinds the test's helper, mid-test
            return 4
    """)
    always_equal = define("""
        class Four(int):
            def __eq__(self, other):
                return True
        def answer(x):
            if x < 0:
                raise ValueError(x)
            return Four(4)
    """)
    code, lines, _ = run_guarded(f'''
        {shadows}
        run("doubles")
    ''')
    assert code == 0 and "doubles" in passed(lines), lines  # a correct answer; the test's builtins are its own
    for cheat in (sabotage, always_equal):
        code, lines, stderr = run_guarded(f'''
            {shadows}
            {cheat}
            try:
                run("doubles")
            except AssertionError:
                print("FAILED", file=sys.stderr)
        ''')
        assert "doubles" not in passed(lines) and "FAILED" in stderr, (cheat, lines)


def test_functions_a_test_defines_see_no_shadowed_builtin() -> None:
    code, lines, _ = run_guarded('''
        run("checked")
    ''')
    assert code == 0 and "checked" in passed(lines), lines
    code, lines, _ = run_guarded('''
        user_ns["type"] = lambda x: int
        run("checked")
    ''')
    assert code == 3 and lines == ["TAMPER shadowed-builtin type"], lines


@pytest.mark.parametrize(("attack", "reason"), [
    ("import eng101.checks as c; setattr(c, 're' + 'jects', lambda *a, **k: True)", "patched eng101.checks.rejects"),
    ("vars(builtins)['sor' + 'ted'] = lambda x: [1]", "patched builtins.sorted"),
    ("m = type(sys)('eng101.checks'); m.rejects = lambda *a, **k: True; sys.modules['eng101.checks'] = m",
     "module-replaced eng101.checks"),
    ("user_ns['__builtins__'] = {'__import__': __import__}", "foreign-builtins"),
    ("import eng101.checks as c; c.rejects.__defaults__ = (1,)", "object.__setattr__"),
    ("import unittest.mock, eng101.checks as c; "
     "unittest.mock.patch.object(c.rejects, '__code__', (lambda: 0).__code__).start()", "object.__setattr__"),
    ("import threading; threading.Thread.join = lambda *a, **k: None", "patched threading.Thread.join"),
    ("getattr(sys, 'set' + 'trace')(lambda *a: None)", "sys.settrace"),
    ("getattr(sys, 'set' + 'profile')(lambda *a: None)", "sys.setprofile"),
    ("import gc; gc.get_objects()", "gc.get_objects"),
    ("import gc; gc.get_referrers(user_ns)", "gc.get_referrers"),
    ("import ctypes; ctypes.c_char.from_address(id(user_ns))", "ctypes."),
    ("(lambda: 0).__code__.replace(co_filename=os.path.join(sys.prefix, 'lib', 'enum.py'))", "code.__new__"),
    ("(lambda: 0).__code__.replace(co_filename=os.path.join(tools, 'checks.py'))", "code.__new__"),
    ("(lambda: 0).__code__.replace(co_filename='/tmp/x/../' + sys.prefix + '/lib/enum.py')", "code.__new__"),
    ("open('/proc/self/mem', 'rb')", "open /proc/self/mem"),
    ("fd = os.open('/proc/self', os.O_RDONLY); os.open('mem', os.O_RDONLY, dir_fd=fd)", "open mem"),
    ("open(f'/proc/self/fd/{report_fd}', 'rb')", "open /proc/self/fd/"),
    ("sys._current_frames()", "sys._current_frames"),
])
def test_tampering_stops_the_kernel_with_its_reason(attack: str, reason: str) -> None:
    code, lines, _ = run_guarded(f'''
        {attack}
        run("doubles")
    ''')
    assert code == 3, f"not stopped: {lines}"
    assert any(line.startswith("TAMPER") and reason in line for line in lines), lines
    assert "doubles" not in passed(lines)


@pytest.mark.parametrize("peek", [
    "import sys\\ndef peek():\\n    return sys._getframe(1).f_locals",
    "import inspect\\ndef peek():\\n    return inspect.currentframe().f_back.f_locals",
    "import inspect\\ndef peek():\\n    return inspect.stack()[1].frame.f_locals",
    "import sys\\ndef peek():\\n    try:\\n        raise ValueError\\n    except ValueError:\\n"
    "        return sys.exc_info()[2].tb_frame.f_back",
])
def test_no_frame_reaches_the_tested_code_while_a_test_runs(peek: str) -> None:
    code, lines, _ = run_guarded(f'''
        exec("{peek}", user_ns)
        user_ns["peek"]()  # between tests: the student's own business
        run("frames")
    ''')
    assert code == 3 and any("while a hidden test runs" in line for line in lines), lines


def test_libraries_may_use_frames_while_a_test_runs() -> None:
    library_like = define("""
        import inspect, logging, traceback, warnings
        def warn_like_pandas():
            logging.getLogger("x").warning("careful")          # logging finds its caller's frame
            try:
                raise KeyError("k")
            except KeyError:
                text = traceback.format_exc()                   # walks the traceback's frames
            warnings.warn("fine")
            return "KeyError" in text
    """)
    code, lines, _ = run_guarded(f'''
        {library_like}
        run("library")
    ''')
    assert code == 0 and "library" in passed(lines), lines


def test_the_course_tools_may_trace_but_frames_stay_out_of_reach_meanwhile() -> None:
    code, lines, _ = run_guarded('''
        from eng101.concurrency import preempt_every_line
        with preempt_every_line(user_ns["answer"]):
            run("doubles")
        sys._getframe()  # tracing is over: allowed again
        exec("def sneaky():\\n    import sys\\n    return sys._getframe(1)\\n", user_ns)
        with preempt_every_line(user_ns["answer"]):
            user_ns["sneaky"]()
    ''')
    assert passed(lines) == {"doubles": expected_tag(KEY, "doubles")}
    assert code == 3 and any("while a course tool traces" in line for line in lines), lines


def test_a_library_may_rebuild_a_function_under_a_name_that_is_not_installed_code() -> None:
    """Hypothesis's @given gives its wrapper the test function's file name (a cell's, a test's)."""
    code, lines, _ = run_guarded('''
        rebuilt = (lambda: 0).__code__.replace(co_filename="/tmp/ipykernel_42/1234.py", co_firstlineno=7)
        rebuilt = (lambda: 0).__code__.replace(co_filename="<test doubles>")
        run("doubles")
    ''')
    assert code == 0 and "doubles" in passed(lines), lines


def test_honest_library_behaviour_is_not_tampering() -> None:
    code, lines, _ = run_guarded('''
        import collections, dataclasses, enum, warnings
        Point = collections.namedtuple("Point", "x y")       # sets __module__ on a new class
        @dataclasses.dataclass
        class Box:
            size: int = 1
        class Colour(enum.Enum):
            RED = 1
        Box.extra = 2                                         # the notebook's own class
        inspect.currentframe(); sys._getframe()               # frames, while no test runs
        warnings.warn("fine")
        open(os.devnull).close(); open(pathlib.Path(os.devnull)).close()
        run("doubles")
    ''')
    assert code == 0, lines
    assert passed(lines) == {"doubles": expected_tag(KEY, "doubles")}


def test_the_session_reads_tags_tampering_and_noise(tmp_path: Path) -> None:
    session = GuardSession(tmp_path, watch=["json"], course_tools=REPO_ROOT / "eng101",
                           tests={"n1": ("test_x", "assert True")}, answer_names=["answer"])
    session.prepare()
    assert (tmp_path / "guard.json").stat().st_mode & 0o077 == 0
    writer = os.open(session.pipe, os.O_WRONLY)
    os.write(writer, b"PASSED abc 00ff\nTAMPER open /proc/self/mem\nsomething else\n")
    os.close(writer)
    report = session.close()
    assert report.passed == {"abc": ["00ff"]}
    assert report.tampering == ["open /proc/self/mem"] and report.noise == 1


def test_watched_modules_and_answer_names_come_from_the_instructors_cells() -> None:
    sources = ["import math\nfrom eng101.checks import rejects\n", "from . import x\nimport os.path as p\n", "%%bad"]
    assert modules_imported(sources) == ["eng101.checks", "math", "os.path"]
    assert top_level_names(["def filter(x):\n    pass\nLIMIT: int = 3\nclass A: ...\n"]) == ["A", "LIMIT", "filter"]


def test_a_reference_the_guard_refuses_is_reported(tmp_path: Path) -> None:
    """grader check runs every reference in the guarded kernel: one that trips the guard must show."""
    import nbformat

    from grader.patching_cheat import reference_lost_in_guarded_kernel

    def meta(grade_id: str, solution: bool) -> dict:
        return {"nbgrader": {"grade": not solution, "grade_id": grade_id, "locked": not solution,
                             "points": 0 if solution else 1, "schema_version": 3, "solution": solution,
                             "task": False}}

    def notebook(answer: str) -> nbformat.NotebookNode:
        book = nbformat.v4.new_notebook()
        book.cells = [nbformat.v4.new_code_cell(answer, metadata=meta("one", True)),
                      nbformat.v4.new_code_cell("assert one() == 1\n### BEGIN HIDDEN TESTS\nassert one() == 1\n"
                                                "### END HIDDEN TESTS", metadata=meta("test_one", False))]
        return book

    for name, answer, lost in [("honest", "def one():\n    return 1\n", False),
                               ("tracing", "import sys\ndef one():\n    sys.settrace(None)\n    return 1\n", True)]:
        solution, release = tmp_path / name / "nb.ipynb", tmp_path / name / "release.ipynb"
        solution.parent.mkdir()
        nbformat.write(notebook(answer), solution)
        nbformat.write(notebook("def one():\n    raise NotImplementedError\n"), release)
        found = reference_lost_in_guarded_kernel(solution, release, REPO_ROOT)
        assert bool(found) == lost, (name, found)
