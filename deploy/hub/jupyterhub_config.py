"""JupyterHub for one class of Engineering 101, as `python -m grader.hub start` runs it.

Everything binds to loopback; the state directory (accounts' homes, exchange, secrets, database)
comes from ENG101_HUB_STATE, written by grader/hub.py together with roster.json (ports, accounts).
Production differs in three places, each marked PRODUCTION below: the authenticator, the public
address (TLS in front of the proxy), and where the homes and the exchange live. deploy/README.md
explains the choices.
"""

import json
import os
from pathlib import Path

c = get_config()  # noqa: F821 - injected by traitlets when JupyterHub loads this file

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
STATE = Path(os.environ.get("ENG101_HUB_STATE", "/srv/eng101-hub"))
ROSTER = json.loads((STATE / "roster.json").read_text())
SECRETS = STATE / "secrets"
# The course environment: every user's server and kernel run its python (grader/hub.py's class_python).
PYTHON = ROSTER["python"]
VENV_BIN = Path(PYTHON).parent
INSTRUCTORS = {ROSTER["instructor"]}
STUDENTS = set(ROSTER["students"])

# --- network: loopback only (PRODUCTION: TLS terminates in front of the proxy) ----------------
c.JupyterHub.bind_url = f"http://127.0.0.1:{ROSTER['port']}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{ROSTER['hub_port']}"
c.ConfigurableHTTPProxy.command = [str(HERE / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{ROSTER['proxy_api_port']}"
c.ConfigurableHTTPProxy.auth_token = (SECRETS / "proxy_token").read_text().strip()
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
c.LocalProcessSpawner.ip = "127.0.0.1"

# --- state -------------------------------------------------------------------------------------
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(SECRETS / "cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every user's server

# --- who may log in (PRODUCTION: LTI 1.3 from the LMS, or the institution's OAuth) -------------
# The accounts are real Unix users with generated passwords, so PAM is the honest local choice.
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False  # no systemd-logind session per login in a container
c.Authenticator.allowed_users = INSTRUCTORS | STUDENTS
c.Authenticator.admin_users = set()  # nobody can open another user's server from the hub

# A service for scripts (tests, the instructor's automation): manage users and servers and issue
# tokens through the REST API, nothing else. Its token is in STATE/secrets (root only).
c.JupyterHub.services = [{"name": "eng101-ops", "api_token": (SECRETS / "ops_token").read_text().strip()}]
c.JupyterHub.load_roles = [{
    "name": "eng101-ops",
    "scopes": ["admin:users", "admin:servers", "tokens", "access:servers", "list:users", "read:users"],
    "services": ["eng101-ops"],
}]

# --- each user's server: their own account, the course venv, the role's Jupyter settings ------
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [PYTHON, "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# A user's own ~/.jupyter must not re-enable what their role leaves out.
c.Spawner.disable_user_config = True


def role_of(spawner) -> str:
    return "instructor" if spawner.user.name in INSTRUCTORS else "student"


def config_path(spawner) -> str:
    """The class's nbgrader settings (exchange, course id), then the role's lab and server settings."""
    return os.pathsep.join([str(STATE / "config"), str(REPO / "deploy" / "lab" / role_of(spawner))])


c.Spawner.environment = {
    "PATH": os.pathsep.join([str(VENV_BIN), "/usr/local/bin", "/usr/bin", "/bin"]),
    # the course data, shared read-only: owned by root, readable by all
    "ENG101_DATA_DIR": str(REPO / "datasets"),
    "JUPYTER_CONFIG_PATH": config_path,
    "PYTHONHASHSEED": "0",
}
