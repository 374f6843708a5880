/* The grading kernel's witness: a C audit hook (PEP 578) that runs the hidden tests and vouches for them.
 *
 * The hidden test cells never reach the kernel as source: kernel.py compiles them at start-up, before
 * any submitted code runs, and hands the code objects to arm(); the notebook's test cells are replaced
 * by a one-line trigger, sys.audit("eng101.test", NONCE).  On that event this hook
 *
 *   - refuses a test that already ran (each runs once: no rehearsal against the real test);
 *   - checks that the watched modules, classes, closures and builtins are as recorded at start;
 *   - runs the test's code with the notebook's namespace as globals and a private namespace as
 *     locals, pre-filled with the original builtins: what the test binds (its imports, its values) and
 *     the builtins it calls cannot be swapped by the code it tests, while every name it assigns is
 *     also written to the notebook's namespace, as a normal cell would;
 *   - checks the watched state again and writes "PASSED <nonce> <HMAC(key, passed:<nonce>)>" to a
 *     pipe the grader reads; an exception propagates to the cell, which fails as usual.
 *
 * The key lives only in this C memory; the hook calls no Python code of the student's to decide.
 * Between tests it polices acts of tampering that leave no trace in the state it compares (police()),
 * and ends the process at the first one after writing "TAMPER <what>".
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

static unsigned char key[64];
static Py_ssize_t key_len = 0;
static int out_fd = -1;
static int armed = 0;
static PyObject *hmac_digest = NULL; /* _hashlib.hmac_digest, captured at install */
static PyObject *user_ns = NULL;     /* the notebook's globals */
static PyObject *user_ns_at_start = NULL; /* a copy when armed: IPython's own names (open, exit, ...) */
static PyObject *builtins_dict = NULL;
static PyObject *builtins_module = NULL; /* the module of that dict, as it was when armed */
static PyObject *watched = NULL;     /* list of (name, module or None, module dict or class, snapshot dict) */
static PyObject *cells = NULL;       /* list of (name, cell, contents): closures of watched functions */
static PyObject *frozen_ids = NULL;  /* frozenset of id()s of classes and functions nobody may rewrite */
static PyObject *trusted = NULL;     /* frozenset of the course tools' code objects */
static PyObject *library_roots = NULL; /* tuple of directory prefixes (str, ending in "/") of installed code */
static PyObject *threading_dict = NULL;
static PyObject *posix_path_type = NULL;
static PyObject *held = NULL;        /* dict nonce -> code object of a hidden test */
static PyObject *held_codes = NULL;  /* frozenset: those code objects and the code nested in them */
static PyObject *held_builtins = NULL; /* dict nonce -> tuple of builtin names its nested functions read */
static PyObject *exporting_codes = NULL; /* frozenset: library functions that return frames to their caller */
static PyObject *test_builtins = NULL;   /* dict: the builtins a test sees first */
static PyObject *ran = NULL;         /* set of nonces already run */
static int tracing = 0;              /* a course tool's tracer is installed */
static int testing = 0;              /* a hidden test is running */

static void emit(const char *s, size_t n) {
    while (n > 0 && out_fd >= 0) {
        ssize_t w = write(out_fd, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        s += w; n -= (size_t)w;
    }
}

static void tamper(const char *why, PyObject *detail) {
    char line[512];
    const char *text = "";
    if (detail && PyUnicode_CheckExact(detail)) {
        text = PyUnicode_AsUTF8(detail);
        if (!text) { PyErr_Clear(); text = ""; }
    }
    int n = snprintf(line, sizeof line, "TAMPER %s %.300s\n", why, text);
    if (n > 0) emit(line, (size_t)(n < (int)sizeof line ? n : (int)sizeof line - 1));
    _exit(3);
}

/* ---- the private namespace of a running test: writes go to it and to the notebook's namespace ---- */

static int mirror_ass_subscript(PyObject *self, PyObject *name, PyObject *value) {
    if (value) {
        if (PyDict_Type.tp_as_mapping->mp_ass_subscript(self, name, value) < 0) return -1;
        return PyDict_SetItem(user_ns, name, value);
    }
    /* del: from both; an error (NameError for the test) only if the name is in neither */
    int here = PyDict_Contains(self, name), there = PyDict_Contains(user_ns, name);
    if (here < 0 || there < 0) return -1;
    if (!here && !there) { PyErr_SetObject(PyExc_KeyError, name); return -1; }
    if (here && PyDict_DelItem(self, name) < 0) return -1;
    if (there && PyDict_DelItem(user_ns, name) < 0) return -1;
    return 0;
}

static PyMappingMethods mirror_mapping = {0, 0, mirror_ass_subscript};

static PyTypeObject MirrorType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "_witness.TestNamespace",
    .tp_basicsize = sizeof(PyDictObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_DICT_SUBCLASS,
    .tp_as_mapping = &mirror_mapping,
};

/* Every recorded function and class of every watched module must still be in place. */
static void check_watched(void) {
    PyObject *modules = PyImport_GetModuleDict();
    Py_ssize_t n = PyList_GET_SIZE(watched);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *entry = PyList_GET_ITEM(watched, i);
        PyObject *name = PyTuple_GET_ITEM(entry, 0), *module = PyTuple_GET_ITEM(entry, 1);
        PyObject *dict = PyTuple_GET_ITEM(entry, 2), *snapshot = PyTuple_GET_ITEM(entry, 3);
        if (PyType_Check(dict)) dict = ((PyTypeObject *)dict)->tp_dict;  /* a class: its real dict */
        if (module != Py_None) {
            PyObject *current = PyDict_GetItemWithError(modules, name);
            if (current != module) { PyErr_Clear(); tamper("module-replaced", name); }
        }
        Py_ssize_t pos = 0;
        PyObject *k, *v;
        while (PyDict_Next(snapshot, &pos, &k, &v)) {
            PyObject *now = PyDict_GetItemWithError(dict, k);
            if (now != v) {
                PyErr_Clear();
                PyObject *what = PyUnicode_FromFormat("%U.%U", name, k);
                tamper("patched", what);
            }
        }
    }
    n = PyList_GET_SIZE(cells);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *entry = PyList_GET_ITEM(cells, i);
        if (PyCell_GET(PyTuple_GET_ITEM(entry, 1)) != PyTuple_GET_ITEM(entry, 2))
            tamper("patched-closure", PyTuple_GET_ITEM(entry, 0));
    }
}


/* ---- the policy: acts of tampering that leave no trace in what check_watched() compares ---- */

static int code_trusted(PyCodeObject *code) {
    int found = PySet_Contains(trusted, (PyObject *)code);
    if (found < 0) { PyErr_Clear(); return 0; }
    return found;
}

static int code_in_library(PyCodeObject *code) {
    PyObject *filename = code->co_filename;
    if (!PyUnicode_CheckExact(filename)) return 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(library_roots); i++) {
        PyObject *root = PyTuple_GET_ITEM(library_roots, i);
        Py_ssize_t hit = PyUnicode_Tailmatch(filename, root, 0, PY_SSIZE_T_MAX, -1);
        if (hit < 0) { PyErr_Clear(); return 0; }
        if (hit) return 1;
    }
    return 0;
}

static int ends_with(PyObject *text, const char *suffix) {
    PyObject *tail = PyUnicode_FromString(suffix);
    if (!tail) { PyErr_Clear(); return 0; }
    Py_ssize_t hit = PyUnicode_Tailmatch(text, tail, 0, PY_SSIZE_T_MAX, 1);
    Py_DECREF(tail);
    if (hit < 0) { PyErr_Clear(); return 0; }
    return (int)hit;
}

static int in_set(PyObject *set, PyCodeObject *code) {
    int found = PySet_Contains(set, (PyObject *)code);
    if (found < 0) { PyErr_Clear(); return 0; }
    return found;
}

/* Is a frame being handed to the student's code?  The frame that raised the event decides: the
 * student's own code: yes; a course tool or a hidden test: no; other installed code: no, unless it
 * is one of the functions that return frames to their caller (inspect.currentframe, inspect.stack,
 * traceback.walk_stack, ...), and the first caller past those is the student's code. */
static int frame_to_student(void) {
    PyFrameObject *frame = PyEval_GetFrame();
    Py_XINCREF(frame);
    int exporting_seen = 0, verdict = 0;
    while (frame) {
        PyCodeObject *code = PyFrame_GetCode(frame);
        int tool = code_trusted(code) || in_set(held_codes, code);
        int exporting = in_set(exporting_codes, code);
        int library = code_in_library(code);
        Py_DECREF(code);
        PyFrameObject *back = PyFrame_GetBack(frame);
        Py_DECREF(frame);
        frame = back;
        if (tool) break;
        if (exporting) { exporting_seen = 1; continue; }
        if (!library) { verdict = 1; break; }
        if (!exporting_seen || library) break;  /* installed code that uses the frame itself */
    }
    Py_XDECREF(frame);
    return verdict;
}

static PyCodeObject *site_code(void) {
    PyFrameObject *frame = PyEval_GetFrame();
    return frame ? PyFrame_GetCode(frame) : NULL;
}

static void check_settrace(void) {
    PyCodeObject *code = site_code();
    if (!code) return;
    int allowed = code_trusted(code);
    if (!allowed && PyUnicode_CheckExact(code->co_filename) && ends_with(code->co_filename, "/threading.py")) {
        /* a new thread installs what threading.settrace() was given */
        PyObject *hook_function = PyDict_GetItemString(threading_dict, "_trace_hook");
        if (hook_function && PyFunction_Check(hook_function)) {
            PyCodeObject *inner = (PyCodeObject *)PyFunction_GET_CODE(hook_function);
            allowed = code_trusted(inner);
        }
        if (allowed) { Py_DECREF(code); return; }
    }
    Py_DECREF(code);
    if (!allowed) tamper("sys.settrace", NULL);
    tracing = (PyThreadState_Get()->c_traceobj == NULL);  /* installing, or taking back, a tool's tracer */
}

static int path_forbidden(const char *path, Py_ssize_t n) {
    /* .../mem anywhere; fd, fdinfo, map_files under /proc or /dev or relative to a directory fd */
    int absolute = n > 0 && path[0] == '/';
    int in_proc = (n >= 5 && strncmp(path, "/proc", 5) == 0) || (n >= 4 && strncmp(path, "/dev", 4) == 0);
    Py_ssize_t start = 0;
    for (Py_ssize_t i = 0; i <= n; i++) {
        if (i == n || path[i] == '/') {
            Py_ssize_t len = i - start;
            const char *part = path + start;
            if (i == n && len == 3 && strncmp(part, "mem", 3) == 0) return 1;
            if ((len == 2 && strncmp(part, "fd", 2) == 0) || (len == 6 && strncmp(part, "fdinfo", 6) == 0) ||
                (len == 9 && strncmp(part, "map_files", 9) == 0)) {
                if (in_proc || !absolute) return 1;
            }
            start = i + 1;
        }
    }
    return 0;
}

static void check_open(PyObject *path) {
    if (PyLong_CheckExact(path) || path == Py_None) return;
    PyObject *owned = NULL;
    if (posix_path_type && Py_TYPE(path) == (PyTypeObject *)posix_path_type) {
        owned = PyOS_FSPath(path);
        if (!owned) { PyErr_Clear(); return; }
        path = owned;
    }
    if (PyUnicode_CheckExact(path)) {
        Py_ssize_t n;
        const char *text = PyUnicode_AsUTF8AndSize(path, &n);
        if (!text) { PyErr_Clear(); Py_XDECREF(owned); return; }
        if (path_forbidden(text, n)) tamper("open", path);
    } else if (PyBytes_CheckExact(path)) {
        if (path_forbidden(PyBytes_AS_STRING(path), PyBytes_GET_SIZE(path))) tamper("open", NULL);
    } else {
        tamper("open", NULL);  /* a path object of the student's own making */
    }
    Py_XDECREF(owned);
}

static int event_is(const char *event, const char *name) { return strcmp(event, name) == 0; }

/* code.__new__ (CodeType() or code.replace()), audited with (code, filename, name, ...): libraries
 * do rebuild functions (Hypothesis's @given gives its wrapper the test function's file name and
 * line), and a code object with any other name is the student's code to the policy, as before. What
 * must not happen is code dressed as installed code or a course tool, which the policy would trust
 * (code_in_library): that file name, or one it cannot read, is tampering. */
static int code_disguised(PyObject *args) {
    if (!PyTuple_Check(args) || PyTuple_GET_SIZE(args) < 2) return 1;
    PyObject *filename = PyTuple_GET_ITEM(args, 1);
    if (!PyUnicode_CheckExact(filename)) return 1;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(library_roots); i++) {
        PyObject *root = PyTuple_GET_ITEM(library_roots, i);
        Py_ssize_t hit = PyUnicode_Tailmatch(filename, root, 0, PY_SSIZE_T_MAX, -1);
        if (hit != 0) { PyErr_Clear(); return 1; }
    }
    const char *text = PyUnicode_AsUTF8(filename);
    if (!text) { PyErr_Clear(); return 1; }
    return strstr(text, "..") != NULL;  /* no way back up into a root */
}

/* Is the code that raised the event installed library code in a file ending with ``suffix``?
 * Hypothesis's register_random asks gc.get_referrers whether an RNG would be collected at once
 * (hypothesis/internal/entropy.py) and returns nothing of what it found. */
static int site_is_library_file(const char *suffix) {
    PyCodeObject *code = site_code();
    if (!code) return 0;
    int found = code_in_library(code) && PyUnicode_CheckExact(code->co_filename) &&
                ends_with(code->co_filename, suffix);
    Py_DECREF(code);
    return found;
}

static void police(const char *event, PyObject *args) {
    if (event_is(event, "gc.get_referrers") && site_is_library_file("/hypothesis/internal/entropy.py")) {
        return;
    } else if (event_is(event, "sys.setprofile") || event_is(event, "gc.get_objects") ||
        event_is(event, "gc.get_referrers") || event_is(event, "gc.get_referents") ||
        event_is(event, "sys._current_frames") || strncmp(event, "ctypes.", 7) == 0) {
        tamper(event, NULL);
    } else if (event_is(event, "code.__new__")) {
        if (code_disguised(args)) tamper(event, NULL);
    } else if (event_is(event, "sys.settrace")) {
        check_settrace();
    } else if (event_is(event, "sys._getframe") || event_is(event, "object.__getattr__")) {
        if (!tracing && !testing) return;
        if (event[0] == 'o') {
            if (!PyTuple_CheckExact(args) || PyTuple_GET_SIZE(args) != 2) return;
            PyObject *name = PyTuple_GET_ITEM(args, 1);
            if (!PyUnicode_CheckExact(name)) return;
            const char *text = PyUnicode_AsUTF8(name);
            if (!text) { PyErr_Clear(); return; }
            if (strcmp(text, "tb_frame") && strcmp(text, "gi_frame") && strcmp(text, "cr_frame") &&
                strcmp(text, "ag_frame"))
                return;
        }
        if (frame_to_student())
            tamper(event, PyUnicode_FromString(testing ? "a frame, while a hidden test runs"
                                                       : "a frame, while a course tool traces"));
    } else if (event_is(event, "object.__setattr__") || event_is(event, "object.__delattr__")) {
        /* classes and functions that existed when the kernel was armed: nobody rewrites them,
           whoever asks (a library acting for the student, e.g. unittest.mock.patch, included) */
        if (!PyTuple_CheckExact(args) || PyTuple_GET_SIZE(args) < 2) return;
        PyObject *id = PyLong_FromVoidPtr(PyTuple_GET_ITEM(args, 0));
        if (!id) { PyErr_Clear(); return; }
        int found = PySet_Contains(frozen_ids, id);
        Py_DECREF(id);
        if (found < 0) { PyErr_Clear(); return; }
        if (!found) return;
        PyCodeObject *code = site_code();
        int tool = code && code_trusted(code);
        Py_XDECREF(code);
        if (!tool) tamper(event, PyUnicode_CheckExact(PyTuple_GET_ITEM(args, 1)) ? PyTuple_GET_ITEM(args, 1) : NULL);
    } else if (event_is(event, "open")) {
        if (PyTuple_CheckExact(args) && PyTuple_GET_SIZE(args) >= 1) check_open(PyTuple_GET_ITEM(args, 0));
    }
}


/* Functions a test defines look builtins up in the notebook's namespace: none may be hidden there. */
static void check_shadowing(PyObject *nonce) {
    PyObject *names = PyDict_GetItemWithError(held_builtins, nonce);
    if (!names) { PyErr_Clear(); return; }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(names); i++) {
        PyObject *name = PyTuple_GET_ITEM(names, i);
        PyObject *mine = PyDict_GetItemWithError(user_ns, name);
        if (!mine) { PyErr_Clear(); continue; }
        PyObject *real = PyDict_GetItemWithError(test_builtins, name);
        if (!real) { PyErr_Clear(); continue; }
        PyObject *ipython = PyDict_GetItemWithError(user_ns_at_start, name);
        if (!ipython) PyErr_Clear();
        if (mine != real && mine != ipython) tamper("shadowed-builtin", name);
    }
}

static int run_test(PyObject *nonce) {
    PyObject *code = PyDict_GetItemWithError(held, nonce);
    if (!code) { PyErr_Clear(); return 0; }  /* not a test of this notebook */
    int seen = PySet_Contains(ran, nonce);
    if (seen < 0) return -1;
    if (seen) tamper("test-run-twice", nonce);
    if (PySet_Add(ran, nonce) < 0) return -1;
    PyObject *declared = PyDict_GetItemString(user_ns, "__builtins__");
    if (!declared || (declared != builtins_dict && declared != builtins_module)) tamper("foreign-builtins", nonce);
    check_watched();
    check_shadowing(nonce);
    PyObject *scope = PyObject_CallNoArgs((PyObject *)&MirrorType);
    if (!scope || PyDict_Update(scope, test_builtins) < 0) { Py_XDECREF(scope); return -1; }
    testing++;
    PyObject *result = PyEval_EvalCode(code, user_ns, scope);
    testing--;
    Py_DECREF(scope);
    if (!result) return -1;  /* the test failed: its exception goes to the cell */
    Py_DECREF(result);
    check_watched();
    check_shadowing(nonce);
    PyObject *message = PyUnicode_FromFormat("passed:%U", nonce);
    PyObject *raw = message ? PyUnicode_AsUTF8String(message) : NULL;
    PyObject *secret = PyBytes_FromStringAndSize((const char *)key, key_len);
    PyObject *digest = (raw && secret) ? PyObject_CallFunction(hmac_digest, "OOs", secret, raw, "sha256") : NULL;
    Py_XDECREF(message);
    Py_XDECREF(raw);
    Py_XDECREF(secret);
    if (!digest || !PyBytes_CheckExact(digest)) { Py_XDECREF(digest); return -1; }
    const char *nonce_text = PyUnicode_AsUTF8(nonce);
    char line[256];
    int n = snprintf(line, sizeof line, "PASSED %.64s ", nonce_text ? nonce_text : "?");
    const unsigned char *d = (const unsigned char *)PyBytes_AS_STRING(digest);
    for (Py_ssize_t i = 0; i < PyBytes_GET_SIZE(digest) && n + 3 < (int)sizeof line; i++)
        n += snprintf(line + n, sizeof line - (size_t)n, "%02x", d[i]);
    line[n++] = '\n';
    Py_DECREF(digest);
    emit(line, (size_t)n);
    return 0;
}

static int hook(const char *event, PyObject *args, void *unused) {
    (void)unused;
    if (!armed) return 0;
    if (strcmp(event, "eng101.test") != 0) { police(event, args); return 0; }
    if (!PyTuple_CheckExact(args) || PyTuple_GET_SIZE(args) != 1 || !PyUnicode_CheckExact(PyTuple_GET_ITEM(args, 0)))
        return 0;
    return run_test(PyTuple_GET_ITEM(args, 0));
}

/* install(key, fd): once, before any untrusted code runs. */
static PyObject *install(PyObject *self, PyObject *args) {
    (void)self;
    const char *k;
    Py_ssize_t n;
    int fd;
    if (key_len) { PyErr_SetString(PyExc_RuntimeError, "the witness is installed already"); return NULL; }
    if (!PyArg_ParseTuple(args, "y#i", &k, &n, &fd)) return NULL;
    if (n < 16 || n > (Py_ssize_t)sizeof key) { PyErr_SetString(PyExc_ValueError, "key of 16 to 64 bytes"); return NULL; }
    PyObject *hashlib = PyImport_ImportModule("_hashlib");
    if (!hashlib) return NULL;
    hmac_digest = PyObject_GetAttrString(hashlib, "hmac_digest");
    Py_DECREF(hashlib);
    if (!hmac_digest) return NULL;
    memcpy(key, k, (size_t)n);
    key_len = n;
    out_fd = fd;
    if (PySys_AddAuditHook(hook, NULL) < 0) return NULL;
    Py_RETURN_NONE;
}

/* arm(...): once, when the notebook's namespace exists; see kernel.py for the arguments. */
static PyObject *arm(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *ns, *b, *w, *c, *f, *t, *roots, *td, *ppt, *tests, *nested, *exporting, *tb, *hb;
    if (armed || !key_len) { PyErr_SetString(PyExc_RuntimeError, "arm once, after install"); return NULL; }
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!O!O!O!OO!O!O!O!O!", &PyDict_Type, &ns, &PyDict_Type, &b, &PyList_Type,
                          &w, &PyList_Type, &c, &PyFrozenSet_Type, &f, &PyFrozenSet_Type, &t, &PyTuple_Type, &roots,
                          &PyDict_Type, &td, &ppt, &PyDict_Type, &tests, &PyFrozenSet_Type, &nested,
                          &PyFrozenSet_Type, &exporting, &PyDict_Type, &tb, &PyDict_Type, &hb))
        return NULL;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(roots); i++)
        if (!PyUnicode_CheckExact(PyTuple_GET_ITEM(roots, i))) {
            PyErr_SetString(PyExc_TypeError, "library roots: str");
            return NULL;
        }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(w); i++) {
        PyObject *e = PyList_GET_ITEM(w, i);
        if (!PyTuple_CheckExact(e) || PyTuple_GET_SIZE(e) != 4 || !PyUnicode_CheckExact(PyTuple_GET_ITEM(e, 0)) ||
            !(PyDict_Check(PyTuple_GET_ITEM(e, 2)) || PyType_Check(PyTuple_GET_ITEM(e, 2))) ||
            !PyDict_CheckExact(PyTuple_GET_ITEM(e, 3))) {
            PyErr_SetString(PyExc_TypeError, "watched: (name, module or None, dict or class, snapshot dict)");
            return NULL;
        }
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(c); i++) {
        PyObject *e = PyList_GET_ITEM(c, i);
        if (!PyTuple_CheckExact(e) || PyTuple_GET_SIZE(e) != 3 || !PyCell_Check(PyTuple_GET_ITEM(e, 1))) {
            PyErr_SetString(PyExc_TypeError, "cells: (name, cell, contents)");
            return NULL;
        }
    }
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (PyDict_Next(tests, &pos, &k, &v))
        if (!PyUnicode_CheckExact(k) || !PyCode_Check(v)) {
            PyErr_SetString(PyExc_TypeError, "tests: {nonce: code}");
            return NULL;
        }
    MirrorType.tp_base = &PyDict_Type;
    MirrorType.tp_traverse = PyDict_Type.tp_traverse;
    MirrorType.tp_clear = PyDict_Type.tp_clear;
    if (PyType_Ready(&MirrorType) < 0) return NULL;
    user_ns = Py_NewRef(ns);
    builtins_dict = Py_NewRef(b);
    builtins_module = PyImport_ImportModule("builtins");
    if (!builtins_module) return NULL;
    watched = PyList_GetSlice(w, 0, PyList_GET_SIZE(w)); /* private copies of the lists */
    cells = PyList_GetSlice(c, 0, PyList_GET_SIZE(c));
    held = PyDict_Copy(tests);
    test_builtins = PyDict_Copy(tb);
    ran = PySet_New(NULL);
    held_builtins = PyDict_Copy(hb);
    user_ns_at_start = PyDict_Copy(ns);
    if (!user_ns_at_start) return NULL;
    if (!watched || !cells || !held || !test_builtins || !ran || !held_builtins) return NULL;
    frozen_ids = Py_NewRef(f); trusted = Py_NewRef(t); library_roots = Py_NewRef(roots);
    threading_dict = Py_NewRef(td); held_codes = Py_NewRef(nested); exporting_codes = Py_NewRef(exporting);
    posix_path_type = PyType_Check(ppt) ? Py_NewRef(ppt) : NULL;
    armed = 1;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"install", install, METH_VARARGS, "install(key, fd): the audit hook, once."},
    {"arm", arm, METH_VARARGS, "arm(...): start policing and accept the hidden tests, once (see kernel.py)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_witness", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__witness(void) { return PyModule_Create(&module); }
