#!/usr/bin/env python3
"""Every command of the course, runnable with nothing but Python 3.11+.

    python3 course.py lab [lab options]    open JupyterLab on the course (nbgrader extensions on),
                                           every lesson released to the Assignments panel
    python3 course.py test [pytest args]   run the whole test suite
    python3 course.py release [NN_topic]   regenerate release/ from source/ (one assignment or all)
    python3 course.py solutions [NN_topic] regenerate solutions/ (instructor notebooks, executed)
    python3 course.py lectures [NN_topic]  re-execute the lecture notebooks in notebooks/
    python3 course.py grade [NN_topic]     autograde submitted/<student>/<assignment>/, write
                                           feedback/, grades.csv and the item analysis
    python3 course.py bench                grading benchmark (parallel against plain nbgrader)

The first command creates `.venv/` (if it is missing) and installs the exact versions in
requirements.txt; later commands reinstall only when requirements.txt changes.
"""
import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / "requirements.sha256"

COMMANDS = ("lab", "test", "release", "solutions", "lectures", "grade", "bench")


# Run by the course environment's Python at `lab`: release every assignment of release/
# into the exchange with nbgrader's own ReleaseAssignment (again only when it changed).
RELEASE_TO_EXCHANGE = """
import filecmp, os, sys
from traitlets.config.loader import PyFileConfigLoader
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange import ExchangeFactory

root = sys.argv[1]
config = PyFileConfigLoader("nbgrader_config.py", path=root).load_config()
outbound = os.path.join(config.Exchange.root, config.CourseDirectory.course_id, "outbound")
released = []
for name in sorted(os.listdir(os.path.join(root, "release"))):
    src, dest = os.path.join(root, "release", name), os.path.join(outbound, name)
    if os.path.isdir(dest) and not filecmp.dircmp(src, dest).diff_files and \\
            sorted(os.listdir(src)) == sorted(os.listdir(dest)):
        continue
    config.ExchangeReleaseAssignment.force = True
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = name
    exchange = ExchangeFactory(config=config)
    exchange.ReleaseAssignment(coursedir=coursedir, authenticator=Authenticator(config=config),
                               config=config).start()
    released.append(name)
if released:
    print("Released into the exchange (fetch them from the Assignments panel):", ", ".join(released))
"""


def ensure_environment() -> None:
    """Create .venv and install the pinned requirements, unless already done."""
    wanted = hashlib.sha256((ROOT / "requirements.txt").read_bytes()).hexdigest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    if not PYTHON.exists():
        print(f"Creating the course environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=VENV.exists()).create(VENV)
    print("Installing the pinned requirements (once) ...", flush=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run(pip + ["-r", str(ROOT / "requirements.txt")], check=True)
    STAMP.write_text(wanted + "\n")


def headless() -> bool:
    if sys.platform in ("darwin", "win32"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    command, args = argv[0], argv[1:]
    ensure_environment()
    env = dict(os.environ, PYTHONPATH=str(ROOT),
               PATH=str(BIN) + os.pathsep + os.environ.get("PATH", ""))
    if command == "lab":
        # One machine: students never open release/. Every assignment is released into
        # the local exchange, and the Assignments panel fetches it into <assignment>/ in
        # this folder (ignored by git), where Validate and Submit work on it.
        exchange = ROOT / "exchange"
        if not exchange.exists():
            exchange.mkdir()
            exchange.chmod(0o777)
        env["COURSE_EXCHANGE"] = str(exchange)  # read by nbgrader_config.py
        subprocess.run([str(PYTHON), "-c", RELEASE_TO_EXCHANGE, str(ROOT)], cwd=ROOT, env=env, check=True)
        cmd = [str(BIN / "jupyter"), "lab", f"--ServerApp.root_dir={ROOT}",
               # jupyter_server gives its websocket keep-alive in ms (30000/90000), which
               # tornado reads as seconds and warns about (jupyter_server issue 1612);
               # on one machine there is no proxy to keep a connection alive through.
               '--ServerApp.tornado_settings={"ws_ping_interval": 0}']
        if headless():
            print("No display found: open the URL printed below in your browser.", flush=True)
            cmd.append("--no-browser")
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")  # e.g. in a container
        cmd += args  # e.g. --port=8889
        args = []
    elif command == "test":
        cmd = [str(PYTHON), "-m", "pytest", *args]
        args = []
    else:
        cmd = [str(PYTHON), "-m", "tools", command]
    if shutil.which(cmd[0]) is None and not Path(cmd[0]).exists():
        print(f"{cmd[0]} is missing from the environment; delete .venv and retry.")
        return 1
    if os.name == "posix":  # become the command, so that Ctrl-C and signals reach it
        os.chdir(ROOT)
        os.execve(cmd[0], cmd + args, env)
    return subprocess.call(cmd + args, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
