"""The course on a JupyterHub for a class: ``python -m grader.hub start|stop|status``.

``start`` (as root) installs JupyterHub's proxy from deploy/hub/package-lock.json (``npm ci``, skipped
when already installed from the same lock), creates real Unix accounts for one instructor and N
students with generated passwords, gives the instructor a course directory, creates nbgrader's
exchange, starts JupyterHub (deploy/hub/jupyterhub_config.py) on loopback and prints the URL.
``stop`` stops the hub, every server it spawned and every process of the class accounts, deletes the
accounts and their homes and removes the state directory: everything ``start`` created, as recorded
in the state directory's roster (written before each thing is created, so a failed start is undone too).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
HUB_DIR = REPO_ROOT / "deploy" / "hub"
LAB_ROLES_DIR = REPO_ROOT / "deploy" / "lab"
PROXY_BIN = HUB_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
DEFAULT_STATE = Path("/srv/eng101-hub")
#: Where the course environment is mirrored when the accounts cannot reach this one (see class_python):
#: inside the checkout (which they must reach anyway), beside node_modules, ignored by git.
CLASS_ENV = HUB_DIR / "class-venv"
DEFAULT_PORT = 8000
#: Every account name starts with this, so the class never collides with a real user.
PREFIX = "e101-"
INSTRUCTOR = f"{PREFIX}instructor"
COURSE_ID = "eng101"
#: A file that marks a directory as ours: ``stop`` deletes only a state directory carrying it.
MARKER = "eng101-hub-state"
#: What the instructor's course directory gets from the repository (never datasets: shared read-only).
COURSE_FILES = ("nbgrader_config.py", "solutions", "course")
STARTUP_TIMEOUT_S = 60.0


class HubError(RuntimeError):
    """Something the operator must fix; the message says what."""


@dataclass
class Roster:
    """What ``start`` created and how to reach it; saved as STATE/roster.json."""

    state: str
    port: int
    hub_port: int
    proxy_api_port: int
    instructor: str = INSTRUCTOR
    students: list[str] = field(default_factory=list)
    created_users: list[str] = field(default_factory=list)
    hub_pid: int = 0
    python: str = sys.executable

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def save(self) -> None:
        path = Path(self.state) / "roster.json"
        path.write_text(json.dumps(asdict(self), indent=1))
        path.chmod(0o644)  # the hub config reads it; it holds no secret

    @classmethod
    def load(cls, state: Path) -> Roster:
        return cls(**json.loads((state / "roster.json").read_text()))


def secrets_dir(state: Path) -> Path:
    return state / "secrets"


def read_secret(state: Path, name: str) -> str:
    return (secrets_dir(state) / name).read_text().strip()


def passwords(state: Path) -> dict[str, str]:
    """The generated login passwords, by account (root only: the file is 0600)."""
    lines = (secrets_dir(state) / "passwords.txt").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if ":" in line)


# --- checks before anything is created -------------------------------------------------------


def untraversable(path: Path) -> list[Path]:
    """The directories on the way to ``path`` (included) that other users cannot enter."""
    blocked = []
    for directory in (*reversed(path.parents), path):
        if not os.stat(directory).st_mode & stat.S_IXOTH:
            blocked.append(directory)
    return blocked


def check_machine() -> None:
    """Refuse early, saying why, where this machine cannot run a class."""
    if sys.platform != "linux" or os.geteuid() != 0:
        raise HubError("run as root on Linux: the hub creates Unix accounts and starts each user's server "
                       "as that user (sudo .venv/bin/python -m grader.hub start)")
    for tool in ("useradd", "userdel", "chpasswd", "npm"):
        if shutil.which(tool) is None:
            raise HubError(f"{tool} not found: install it (Debian: apt-get install passwd npm)")
    blocked = untraversable(Path(sys.prefix)) + untraversable(REPO_ROOT / "course")
    if blocked:
        listed = ", ".join(sorted({str(p) for p in blocked}))
        raise HubError(f"the students' servers run as their own accounts and must reach this checkout and its "
                       f"environment, but others cannot enter: {listed}. Clone the repository where every "
                       f"account can read it (e.g. /srv/eng101), or run `chmod o+x` on those directories "
                       f"yourself if that is acceptable on this machine.")


def reachable_python() -> Path | None:
    """A system interpreter of this one's version that every account can run, if any."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for directory in ("/usr/bin", "/usr/local/bin"):
        candidate = Path(directory) / version
        if candidate.is_file() and not untraversable(candidate.resolve().parent):
            return candidate
    return None


def class_python() -> Path:
    """The interpreter every account runs: this environment's, or a mirror of it under CLASS_ENV.

    The mirror exists for checkouts whose venv was made from an interpreter others cannot reach
    (pyenv under /root): a venv of the system's interpreter of the same version, with this venv's
    packages hard-linked in (no copy, no download) and its scripts re-pointed. Rebuilt when
    requirements.lock or pyproject.toml change.
    """
    if not untraversable(Path(sys.executable).resolve().parent):
        return Path(sys.executable)
    system = reachable_python()
    if system is None:
        raise HubError(f"this environment's interpreter ({Path(sys.executable).resolve()}) is where other "
                       f"accounts cannot run it, and there is no python{sys.version_info.major}."
                       f"{sys.version_info.minor} in /usr/bin or /usr/local/bin to mirror it with: make the "
                       f"venv from a system Python (make PYTHON=/usr/bin/python3 setup)")
    stamp = CLASS_ENV / ".eng101-source"
    inputs = [(REPO_ROOT / name).read_bytes() for name in ("requirements.lock", "pyproject.toml")]
    source = hashlib.sha256(b"".join(inputs) + sys.prefix.encode()).hexdigest()
    if stamp.is_file() and stamp.read_text() == source:
        return CLASS_ENV / "bin" / "python"
    build_class_env(system)
    stamp.write_text(source)
    return CLASS_ENV / "bin" / "python"


def build_class_env(system: Path) -> None:
    if CLASS_ENV.exists():
        shutil.rmtree(CLASS_ENV)
    subprocess.run([str(system), "-m", "venv", "--without-pip", str(CLASS_ENV)], check=True, capture_output=True)
    packages = Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    target = CLASS_ENV / "lib" / packages.parent.name
    shutil.rmtree(target / "site-packages")
    linked = subprocess.run(["cp", "-al", str(packages), str(target)], capture_output=True, check=False)
    if linked.returncode != 0:  # another filesystem: a real copy
        shutil.rmtree(target / "site-packages", ignore_errors=True)
        shutil.copytree(packages, target / "site-packages", symlinks=True)
    for share in ("share", "etc"):  # kernelspecs, lab extensions, server-extension config
        if (Path(sys.prefix) / share).is_dir():
            subprocess.run(["cp", "-al", str(Path(sys.prefix) / share), str(CLASS_ENV)], check=True)
    old = f"#!{Path(sys.prefix) / 'bin' / 'python'}".encode()
    for script in (Path(sys.prefix) / "bin").iterdir():
        copy = CLASS_ENV / "bin" / script.name
        if script.is_symlink() or not script.is_file() or copy.exists():
            continue
        body = script.read_bytes()
        if body.startswith(old):  # console scripts: the same entry point, run by the mirror's python
            copy.write_bytes(b"#!" + str(CLASS_ENV / "bin" / "python").encode() + body[len(old):])
            copy.chmod(0o755)


def install_proxy() -> None:
    """``npm ci`` from the committed lock, unless node_modules already came from the same lock."""
    lock = HUB_DIR / "package-lock.json"
    stamp = HUB_DIR / "node_modules" / ".eng101-lock.sha256"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    if PROXY_BIN.exists() and stamp.is_file() and stamp.read_text() == digest:
        return
    done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HUB_DIR,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0 or not PROXY_BIN.exists():
        raise HubError(f"npm ci in {HUB_DIR} failed (configurable-http-proxy):\n{done.stdout}{done.stderr}")
    stamp.write_text(digest)


def free_port(preferred: int = 0) -> int:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", preferred))
        except OSError:
            probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- accounts, course, exchange -------------------------------------------------------------


def user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def create_account(roster: Roster, name: str, password: str) -> None:
    """A real account with its home under the state directory, private to it (0700)."""
    if user_exists(name):
        raise HubError(f"account {name} already exists: left by an earlier hub? `python -m grader.hub stop --state "
                       f"DIR` with that hub's state directory removes it (tests use /tmp/eng101-hub-*), "
                       f"or `userdel --remove {name}`")
    roster.created_users.append(name)  # recorded first: stop removes it even if what follows fails
    roster.save()
    home = Path(roster.state) / "home" / name
    subprocess.run(["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash",
                    "--user-group", "--comment", "eng101 class account", name], check=True, capture_output=True)
    home.chmod(0o700)
    subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True, capture_output=True)


def chown_tree(path: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    for directory, _, files in os.walk(path):
        os.chown(directory, entry.pw_uid, entry.pw_gid)
        for name in files:
            os.chown(os.path.join(directory, name), entry.pw_uid, entry.pw_gid)


def install_course(state: Path, instructor: str) -> Path:
    """The instructor's home is the course root (config, sources, release), as `make instructor` serves
    the repository: nbgrader and the formgrader find the course from the server's working directory."""
    course = state / "home" / instructor
    for name in COURSE_FILES:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, course / name, ignore=shutil.ignore_patterns(
                "__pycache__", ".ipynb_checkpoints", "variants"))
        else:
            shutil.copy2(source, course / name)
    chown_tree(course, instructor)
    return course


def write_user_config(state: Path) -> None:
    """nbgrader settings every class account reads (a Jupyter config dir on JUPYTER_CONFIG_PATH)."""
    config = state / "config"
    config.mkdir(mode=0o755)
    settings = {"CourseDirectory": {"course_id": COURSE_ID}, "Exchange": {"root": str(state / "exchange")}}
    (config / "nbgrader_config.json").write_text(json.dumps(settings, indent=1))
    (config / "nbgrader_config.json").chmod(0o644)


def make_exchange(state: Path) -> None:
    """nbgrader's exchange as its docs set it up: world-writable with the sticky bit (1777).

    nbgrader itself then makes each course's inbound/ write-only for students (no listing) and
    names every submission and feedback file so that another student cannot guess it.
    """
    exchange = state / "exchange"
    exchange.mkdir()
    exchange.chmod(0o1777)


def write_secrets(state: Path, accounts: list[str]) -> None:
    directory = secrets_dir(state)
    directory.mkdir(mode=0o700)
    for name in ("cookie_secret", "proxy_token", "ops_token"):
        (directory / name).write_text(secrets.token_hex(32))
        (directory / name).chmod(0o600)
    lines = [f"{account}:{secrets.token_urlsafe(12)}" for account in accounts]
    (directory / "passwords.txt").write_text("\n".join(lines) + "\n")
    (directory / "passwords.txt").chmod(0o600)


# --- the hub process ------------------------------------------------------------------------


def hub_environment(state: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("JUPYTER", "JPY"))}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "/usr/bin:/bin")])
    env["ENG101_HUB_STATE"] = str(state)
    env["CONFIGPROXY_AUTH_TOKEN"] = read_secret(state, "proxy_token")
    return env


def api(roster: Roster, path: str, method: str = "GET", body: dict | None = None) -> object:
    """The Hub's REST API with the operations service's token (root only: it reads the secret)."""
    request = urllib.request.Request(
        f"{roster.url}hub/api/{path.lstrip('/')}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {read_secret(Path(roster.state), 'ops_token')}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
    return json.loads(text) if text else None


def wait_for_hub(roster: Roster, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise HubError(f"jupyterhub exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            api(roster, "/")
            return
        except OSError:
            time.sleep(0.2)
    raise HubError(f"jupyterhub did not answer in {STARTUP_TIMEOUT_S:.0f} s:\n{log.read_text()[-3000:]}")


def start(state: Path, students: int, port: int) -> Roster:
    """Create the class and start the hub; returns the roster (URL, accounts)."""
    check_machine()
    if (state / "roster.json").exists():
        raise HubError(f"a hub already has its state in {state}: `python -m grader.hub stop --state {state}` first")
    install_proxy()
    python = class_python()
    state.parent.mkdir(parents=True, exist_ok=True)
    if untraversable(state.parent):  # the homes live in the state directory
        raise HubError(f"the accounts could not reach their homes in {state}: others cannot enter "
                       f"{', '.join(map(str, untraversable(state.parent)))}; choose another --state")
    state.mkdir(exist_ok=True)
    if any(state.iterdir()):
        raise HubError(f"{state} is not empty; give an empty or new --state directory")
    state.chmod(0o755)
    (state / MARKER).touch()
    roster = Roster(str(state), free_port(port), free_port(), free_port(),
                    students=[f"{PREFIX}student{i}" for i in range(1, students + 1)], python=str(python))
    roster.save()
    try:
        (state / "home").mkdir(mode=0o755)
        write_secrets(state, [roster.instructor, *roster.students])
        make_exchange(state)
        write_user_config(state)
        logins = passwords(state)
        for account in (roster.instructor, *roster.students):
            create_account(roster, account, logins[account])
        install_course(state, roster.instructor)
        log = state / "jupyterhub.log"
        with log.open("w") as log_file:
            process = subprocess.Popen(
                [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(HUB_DIR / "jupyterhub_config.py")],
                cwd=state, env=hub_environment(state), stdout=log_file, stderr=subprocess.STDOUT,
                start_new_session=True)
        roster.hub_pid = process.pid
        roster.save()
        wait_for_hub(roster, process, log)
    except BaseException:
        stop(state)
        raise
    return roster


# --- stopping and removing ------------------------------------------------------------------


def pids_of(uid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    found.append(int(entry.name))
            except FileNotFoundError:
                continue
    return found


def wait_gone(pids: list[int], timeout_s: float) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while pids and time.monotonic() < deadline:
        pids = [pid for pid in pids if Path(f"/proc/{pid}").exists() and not _zombie(pid)]
        time.sleep(0.05)
    return pids


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, IndexError):
        return True


def terminate(pids: list[int]) -> None:
    """SIGTERM, then SIGKILL what is left after a few seconds."""
    for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        pids = wait_gone(pids, grace)
        if not pids:
            return


def stop_hub(state: Path) -> None:
    """The hub (it stops its proxy and the servers it spawned), then the rest of its process group."""
    roster = Roster.load(state) if (state / "roster.json").exists() else None
    proxy_pid_file = state / "jupyterhub-proxy.pid"  # the proxy runs in a session of its own
    proxy_pid = int(proxy_pid_file.read_text().strip() or 0) if proxy_pid_file.is_file() else 0
    for pid, name in ((roster.hub_pid if roster else 0, "jupyterhub"), (proxy_pid, "configurable-http-proxy")):
        if pid <= 0 or name not in _cmdline(pid):  # gone, or the number now belongs to another process
            continue
        members = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _pgid(int(p.name)) == pid]
        terminate([pid])
        terminate([member for member in members if member != pid])


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def remove_account(name: str) -> None:
    if not name.startswith(PREFIX) or not user_exists(name):
        return
    terminate(pids_of(pwd.getpwnam(name).pw_uid))  # userdel refuses an account with live processes
    subprocess.run(["userdel", "--remove", name], check=False, capture_output=True)
    group = subprocess.run(["getent", "group", name], capture_output=True, check=False)
    if group.returncode == 0:
        subprocess.run(["groupdel", name], check=False, capture_output=True)


def stop(state: Path) -> None:
    """Stop everything ``start`` started and remove everything it created."""
    if not (state / MARKER).exists():
        if state.exists():
            raise HubError(f"{state} was not created by `grader.hub start` (no {MARKER} file): not touching it")
        return
    stop_hub(state)
    if (state / "roster.json").exists():
        for name in Roster.load(state).created_users:
            remove_account(name)
    shutil.rmtree(state)


def purge_caches() -> None:
    """The mirrored course environment and the proxy's node_modules: rebuilt by the next start."""
    for cache in (CLASS_ENV, HUB_DIR / "node_modules"):
        if cache.exists():
            shutil.rmtree(cache)
            print(f"removed {cache}")


# --- command line ---------------------------------------------------------------------------


def format_started(roster: Roster) -> str:
    state = Path(roster.state)
    lines = [
        f"JupyterHub for {COURSE_ID}: {roster.url}",
        f"  instructor: {roster.instructor} (the course root is the home directory)",
        f"  students:   {', '.join(roster.students)}",
        f"  passwords:  {secrets_dir(state) / 'passwords.txt'} (root only)",
        f"  exchange:   {state / 'exchange'}",
        f"  log:        {state / 'jupyterhub.log'}",
        f"stop and remove it all: python -m grader.hub stop --state {state}",
    ]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grader.hub", description=__doc__.splitlines()[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--state", type=Path, default=DEFAULT_STATE,
                        help=f"directory for accounts' homes, exchange, secrets, database (default {DEFAULT_STATE})")
    sub = parser.add_subparsers(dest="command", required=True)
    begin = sub.add_parser("start", parents=[common], help="create the class accounts and start the hub on loopback")
    begin.add_argument("--students", type=int, default=3, help="number of student accounts (default 3)")
    begin.add_argument("--port", type=int, default=DEFAULT_PORT,
                       help=f"port of the hub (default {DEFAULT_PORT}, or a free one if taken)")
    end = sub.add_parser("stop", parents=[common],
                         help="stop the hub and remove the accounts, homes and state it created")
    end.add_argument("--purge", action="store_true",
                     help="also remove the caches: deploy/hub/class-venv (if made) and deploy/hub/node_modules")
    sub.add_parser("status", parents=[common], help="print the URL and accounts of the running hub")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    state = args.state.resolve()
    try:
        if args.command == "start":
            print(format_started(start(state, args.students, args.port)))
        elif args.command == "stop":
            if state.exists():
                stop(state)
                print(f"stopped; removed the class accounts and {state}")
            else:
                print(f"no hub has its state in {state}: nothing to stop")
            if args.purge:
                purge_caches()
        else:
            if not (state / "roster.json").exists():
                print(f"no hub has its state in {state}")
                return 1
            print(format_started(Roster.load(state)))
    except HubError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
