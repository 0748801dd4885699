"""The course on a real JupyterHub, end to end, started by this test: system users (one
instructor, two students) created with useradd, JupyterHub with its proxy
(configurable-http-proxy from npm) and PAM logins, nbgrader's shared exchange, and the
gradebook on PostgreSQL. Everything runs as those users, through nbgrader's commands,
`python3 course.py grade` and a browser:

    release -> fetch -> Validate -> submit -> collect -> grade (PostgreSQL) ->
    release feedback -> fetch feedback

and shows that each student gets only their own feedback, that no student can read
another's submission, that PostgreSQL holds the scores SQLite does for the same class,
that a re-run keeps manual grades, and that a student who logs in to the hub can press
Validate on the fetched exercise (screenshot: COURSE_TEST_SCREENSHOTS=<folder> keeps it).

The hub's configuration is the README's, section "Running the course on a JupyterHub":
its code blocks are read from README.md and used with the test's own paths, user names,
database and ports (REPLACE below). The environment the hub and the users run is a venv
of Debian's /usr/bin/python3 with requirements.txt, in a world-readable temporary folder
(this course's own .venv lives under /root, which other users cannot enter).

Needs root (useradd), a running PostgreSQL server (.ci/run installs and starts it), npm,
python3-venv and, for the browser step, Debian's chromium. Everything it starts is
stopped and everything it creates (users, database, role, folders) is removed."""
import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tools import ROOT

from .conftest import load_variants, notebook_name, solution_code
from .test_lab import COURSE_FILES

CHP_VERSION = "5.3.0"  # configurable-http-proxy, from the npm registry
PG_SOCKET = "/var/run/postgresql"
INSTRUCTOR, STUDENTS = "sainstructor", ("sastudent1", "sastudent2")
ASSIGNMENT = "01_self_attention"
COURSE_ID = "self-attention"
WRONG_SCORES = "attention_scores_scaled"  # student 2's plausible mistake (tests/variants)


def _why_not() -> str | None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "needs root: it creates system users with useradd and starts JupyterHub as root"
    for tool in ("useradd", "runuser", "npm"):
        if shutil.which(tool) is None:
            return f"needs {tool}"
    if subprocess.run(["/usr/bin/python3", "-c", "import ensurepip, venv"], check=False,
                      capture_output=True).returncode:
        return "needs Debian's python3-venv"
    probe = subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-h", PG_SOCKET, "-Atc", "select 1"],
                           check=False, capture_output=True, text=True)
    if probe.returncode:
        return "needs a running PostgreSQL server (.ci/run: apt-get install postgresql; pg_ctlcluster 15 main start)"
    return None


WHY_NOT = _why_not()
pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=WHY_NOT or "")


# ------------------------------------------------------------------------- helpers
def readme_blocks() -> dict[str, str]:
    """The code blocks of the README's hub section, by the file named on their first line."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Running the course on a JupyterHub", 1)[1].split("\n## ", 1)[0]
    blocks = {}
    for body in re.findall(r"```(?:python|bash)\n(.*?)```", section, re.DOTALL):
        first = body.splitlines()[0]
        m = re.match(r"# (\S+)", first)
        if m:
            blocks[m.group(1)] = body
    return blocks


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 900)
    return subprocess.run(cmd, check=False, **kw)


def _ok(run: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert run.returncode == 0, f"{run.args}\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return run


def _pids_of(user: str) -> list[int]:
    import pwd
    try:
        uid = pwd.getpwnam(user).pw_uid
    except KeyError:
        return []
    pids = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            with contextlib.suppress(OSError):
                if p.stat().st_uid == uid:
                    pids.append(int(p.name))
    return pids


def _psql(sql: str) -> str:
    return _ok(_run(["runuser", "-u", "postgres", "--", "psql", "-h", PG_SOCKET, "-v", "ON_ERROR_STOP=1",
                     "-Atc", sql])).stdout


class Hub:
    """Everything the test set up, and how to act as each user."""

    def __init__(self, base: Path):
        self.base = base
        self.env = base / "env"                       # the hub's and every user's Python
        self.exchange = base / "srv" / "nbgrader" / "exchange"
        self.home = {u: base / "home" / u for u in (INSTRUCTOR, *STUDENTS)}
        self.course = self.home[INSTRUCTOR] / "self-attention"
        self.db = "sa_course_" + secrets.token_hex(4)
        self.db_url = f"postgresql:///{self.db}?host={PG_SOCKET}"
        self.passwords = {u: secrets.token_urlsafe(12) for u in self.home}
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.timings: dict[str, float] = {}

    def as_user(self, user: str, *cmd, cwd: Path | None = None, db: bool = True, check: bool = True,
                stdin: str | None = None):
        env = {"HOME": str(self.home[user]), "USER": user, "LOGNAME": user, "LANG": "C.UTF-8",
               "PATH": f"{self.env}/bin:/usr/bin:/bin", "SHELL": "/bin/bash"}
        if user == INSTRUCTOR and db:  # as the hub's Spawner.environment gives it
            env["COURSE_DB_URL"] = self.db_url
        run = _run(["runuser", "-u", user, "--", "env", "-i", *[f"{k}={v}" for k, v in env.items()], *cmd],
                   cwd=str(cwd or self.home[user]), input=stdin)
        return _ok(run) if check else run

    def python(self, user: str, code: str, *args, **kw):
        return self.as_user(user, str(self.env / "bin" / "python"), "-c", code, *args, **kw)

    def scores(self, db_url: str) -> dict:
        """Every grade of the assignment in a gradebook: {student: {cell: [auto, manual]}} and totals."""
        code = """
import json, sys
from nbgrader.api import Gradebook
out = {}
with Gradebook(sys.argv[1]) as gb:
    for sub in gb.find_assignment(sys.argv[2]).submissions:
        nb = sub.notebooks[0]
        out[sub.student.id] = {"total": sub.score, "max": sub.max_score,
                               "cells": {g.name: [g.auto_score, g.manual_score] for g in nb.grades},
                               "comments": {c.name: c.manual_comment for c in nb.comments}}
print(json.dumps(out))
"""
        return json.loads(self.python(INSTRUCTOR, code, db_url, ASSIGNMENT).stdout)


# --------------------------------------------------------------------------- setup
def _build_environment(hub: Hub) -> None:
    """A venv of Debian's Python with the course's pinned requirements (uv: seconds,
    where pip takes minutes), readable by everyone; the student-side nbgrader config in
    its etc/jupyter (a sys.prefix config folder, as /etc/jupyter on a real hub)."""
    _ok(_run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(hub.env)]))
    uv = Path(sys.executable).parent / "uv"
    _ok(_run([str(uv), "pip", "install", "--quiet", "--python", str(hub.env / "bin" / "python"),
              "-r", str(ROOT / "requirements.txt")]))
    # what course.py checks before it uses an environment
    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes()).hexdigest()
    (hub.env / "requirements.sha256").write_text(digest + "\n")


def _readme_config(hub: Hub) -> dict[str, str]:
    replace = {"/opt/course-env": str(hub.env), "/srv/nbgrader/exchange": str(hub.exchange),
               "/home/instructor": str(hub.home[INSTRUCTOR]), '"instructor"': f'"{INSTRUCTOR}"',
               '"student1"': f'"{STUDENTS[0]}"', '"student2"': f'"{STUDENTS[1]}"',
               f"postgresql:///self_attention?host={PG_SOCKET}": hub.db_url}
    out = {}
    for name, body in readme_blocks().items():
        for old, new in replace.items():
            body = body.replace(old, new)
        out[name] = body
    return out


def _setup(hub: Hub) -> None:
    t0 = time.monotonic()
    hub.base.chmod(0o755)
    npm = subprocess.Popen(["npm", "install", "--prefix", str(hub.base / "chp"), "--no-audit", "--no-fund",
                            "--silent", f"configurable-http-proxy@{CHP_VERSION}"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    _build_environment(hub)
    assert npm.wait(timeout=300) == 0, npm.stdout.read()
    hub.timings["environment"] = time.monotonic() - t0
    config = _readme_config(hub)
    assert {"jupyterhub_config.py", "/etc/jupyter/nbgrader_config.py",
            "~/.jupyter/nbgrader_config.py"} <= set(config), sorted(config)

    # the shared exchange: a folder every user can write (nbgrader's own permissions inside)
    hub.exchange.mkdir(parents=True)
    for p in (hub.base / "srv", hub.base / "srv" / "nbgrader"):
        p.chmod(0o755)
    hub.exchange.chmod(0o777)
    global_config = hub.env / "etc" / "jupyter" / "nbgrader_config.py"
    global_config.parent.mkdir(parents=True, exist_ok=True)
    global_config.write_text(config["/etc/jupyter/nbgrader_config.py"])

    # the users, with passwords for the hub's PAM login; homes only their own
    (hub.base / "home").mkdir(mode=0o755)
    for user, home in hub.home.items():
        _cleanup_user(user)
        _ok(_run(["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash", user]))
        home.chmod(0o700)
        _ok(_run(["chpasswd"], input=f"{user}:{hub.passwords[user]}\n"))

    # the gradebook: a database owned by the instructor's role (peer authentication)
    _psql(f'CREATE ROLE "{INSTRUCTOR}" LOGIN')
    _psql(f'CREATE DATABASE "{hub.db}" OWNER "{INSTRUCTOR}"')

    # the instructor's course: this repository's files, the hub's environment as .venv
    hub.course.mkdir()
    for name in COURSE_FILES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, hub.course / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(ROOT / name, hub.course / name)
    (hub.course / ".venv").symlink_to(hub.env)
    (hub.home[INSTRUCTOR] / ".jupyter").mkdir()
    (hub.home[INSTRUCTOR] / ".jupyter" / "nbgrader_config.py").write_text(config["~/.jupyter/nbgrader_config.py"])
    _ok(_run(["chown", "-R", "--no-dereference", f"{INSTRUCTOR}:", str(hub.course),
              str(hub.home[INSTRUCTOR] / ".jupyter")]))

    # JupyterHub: the README's configuration, plus this test's ports and folders
    run = hub.base / "hub"
    run.mkdir(mode=0o700)
    plumbing = f"""
# --- the test's own: loopback ports, folders, the proxy installed from npm
c.JupyterHub.bind_url = "{hub.url}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{_free_port()}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{_free_port()}"
c.ConfigurableHTTPProxy.command = ["{hub.base}/chp/node_modules/.bin/configurable-http-proxy"]
c.ConfigurableHTTPProxy.pid_file = "{run}/proxy.pid"
c.JupyterHub.db_url = "sqlite:///{run}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{run}/cookie_secret"
c.JupyterHub.pid_file = "{run}/jupyterhub.pid"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
"""
    (run / "jupyterhub_config.py").write_text(config["jupyterhub_config.py"] + plumbing)
    log = open(run / "jupyterhub.log", "w")  # noqa: SIM115 - closed with the hub
    hub.proc = subprocess.Popen([str(hub.env / "bin" / "jupyterhub"), "-f", str(run / "jupyterhub_config.py")],
                                cwd=run, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                env={"PATH": f"{hub.env}/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
                                     "HOME": str(run)})
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{hub.url}/hub/api", timeout=5) as r:
                assert "version" in json.loads(r.read())
                break
        except OSError:
            assert hub.proc.poll() is None and time.monotonic() < deadline, (run / "jupyterhub.log").read_text()
            time.sleep(0.5)
    hub.timings["setup"] = time.monotonic() - t0


def _cleanup_user(user: str) -> None:
    for _ in range(20):
        pids = _pids_of(user)
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.25)
    if _run(["id", user]).returncode == 0:
        _run(["userdel", "--remove", user])


def _teardown(hub: Hub) -> None:
    if hub.proc is not None and hub.proc.poll() is None:
        hub.proc.send_signal(signal.SIGTERM)  # the hub stops the users' servers and its proxy
        try:
            hub.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(hub.proc.pid, signal.SIGKILL)
            hub.proc.wait()
    pid_file = hub.base / "hub" / "proxy.pid"
    if pid_file.exists():
        with contextlib.suppress(ValueError, ProcessLookupError):
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
    for user in hub.home:
        _cleanup_user(user)
    _run(["runuser", "-u", "postgres", "--", "psql", "-h", PG_SOCKET, "-c", f'DROP DATABASE IF EXISTS "{hub.db}"'])
    _run(["runuser", "-u", "postgres", "--", "psql", "-h", PG_SOCKET, "-c", f'DROP ROLE IF EXISTS "{INSTRUCTOR}"'])
    shutil.rmtree(hub.base, ignore_errors=True)


# ------------------------------------------------------------- the class, end to end
def _student_work(student: str) -> dict[str, str]:
    """What each student writes: student 1 the instructor's answers, student 2 the same
    with a plausible mistake in attention_scores; each signs their work in a comment."""
    answers = solution_code(ASSIGNMENT)
    if student == STUDENTS[1]:
        (wrong,) = [v for v in load_variants(ASSIGNMENT).WRONG if v[0] == WRONG_SCORES]
        answers[wrong[1]] = wrong[3]
    return {fn: f"# work of {student}\n{code.strip()}\n" for fn, code in answers.items()}


EDIT = """
import json, sys
import nbformat
path, answers = sys.argv[1], json.loads(sys.argv[2])
nb = nbformat.read(path, as_version=4)
for cell in nb.cells:
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("solution") and meta.get("grade_id") in answers:
        cell.source = answers[meta["grade_id"]]
nbformat.write(nb, path)
"""


@pytest.fixture(scope="module")
def hub():
    t0 = time.monotonic()
    h = Hub(Path(tempfile.mkdtemp(prefix="course-hub-", dir="/tmp")))
    try:
        _setup(h)
        nb = notebook_name(ASSIGNMENT)
        # instructor: release into the shared exchange
        h.as_user(INSTRUCTOR, "nbgrader", "release_assignment", ASSIGNMENT, cwd=h.course)
        h.facts = {"validate": {}, "denied": {}}

        def work(student):  # each student at the same time, as in a class
            h.as_user(student, "nbgrader", "fetch_assignment", ASSIGNMENT)
            path = h.home[student] / ASSIGNMENT / nb
            h.python(student, EDIT, str(path), json.dumps(_student_work(student)))
            run = h.as_user(student, "nbgrader", "validate", str(path), check=False)
            h.facts["validate"][student] = run.stdout + run.stderr
            h.as_user(student, "nbgrader", "submit", ASSIGNMENT)

        t = time.monotonic()
        with ThreadPoolExecutor(len(STUDENTS)) as pool:
            list(pool.map(work, STUDENTS))
        h.timings["students' work"] = time.monotonic() - t
        # what student 2 can see of student 1's submission in the exchange
        inbound = h.exchange / COURSE_ID / "inbound"
        (mine,) = [p for p in inbound.iterdir() if p.name.startswith(STUDENTS[0] + "+")]
        other = STUDENTS[1]
        h.facts["submission_name"] = mine.name
        h.facts["denied"]["list inbound"] = h.as_user(other, "ls", str(inbound), check=False)
        guessed = mine.name.rsplit("+", 1)[0] + "+" + "A" * len(mine.name.rsplit("+", 1)[1])
        h.facts["denied"]["read by guessing"] = h.as_user(other, "cat", str(inbound / guessed / nb), check=False)
        h.facts["denied"]["read the work in the home"] = h.as_user(
            other, "cat", str(h.home[STUDENTS[0]] / ASSIGNMENT / nb), check=False)
        h.facts["denied"]["list the cache"] = h.as_user(
            other, "ls", str(h.home[STUDENTS[0]] / ".local/share/jupyter/nbgrader_cache"), check=False)
        # instructor: collect and grade into PostgreSQL
        h.as_user(INSTRUCTOR, "nbgrader", "collect", ASSIGNMENT, cwd=h.course)
        t = time.monotonic()
        h.facts["grade"] = h.as_user(INSTRUCTOR, "python3", "course.py", "grade", ASSIGNMENT, cwd=h.course).stdout
        h.timings["grade (PostgreSQL)"] = time.monotonic() - t
        h.facts["postgres"] = h.scores(h.db_url)
        # the same class graded with SQLite, in a copy of the course without the gradebook URL
        twin = h.home[INSTRUCTOR] / "self-attention-sqlite"
        h.as_user(INSTRUCTOR, "cp", "-a", str(h.course), str(twin))
        h.as_user(INSTRUCTOR, "rm", "-rf", str(twin / "reports"), str(twin / "autograded"), str(twin / "feedback"))
        t = time.monotonic()
        h.as_user(INSTRUCTOR, "python3", "course.py", "grade", ASSIGNMENT, "--no-feedback", cwd=twin, db=False)
        h.timings["grade (SQLite)"] = time.monotonic() - t
        h.facts["sqlite"] = h.scores(f"sqlite:///{twin}/gradebook.db")
        h.timings["class"] = time.monotonic() - t0
        yield h
    finally:
        t = time.monotonic()
        _teardown(h)
        print("\nhub test timings (s): " + ", ".join(f"{k} {v:.0f}" for k, v in h.timings.items())
              + f", cleanup {time.monotonic() - t:.0f}, total {time.monotonic() - t0:.0f}")


def test_students_validate_and_submit_through_the_shared_exchange(hub):
    assert "Success! Your notebook passes all the tests." in hub.facts["validate"][STUDENTS[0]]
    failed = hub.facts["validate"][STUDENTS[1]]
    assert "VALIDATION FAILED" in failed and "attention_scores" in failed, failed[-2000:]
    assert "01_self_attention" in hub.facts["grade"] and all(s in hub.facts["grade"] for s in STUDENTS)
    pg = hub.facts["postgres"]
    assert set(pg) == set(STUDENTS)
    assert pg[STUDENTS[0]]["total"] == pg[STUDENTS[0]]["max"] > 0, pg
    assert 0 < pg[STUDENTS[1]]["total"] < pg[STUDENTS[1]]["max"], pg


def test_each_student_gets_only_their_own_feedback(hub):
    """`grade` wrote the feedback; the instructor releases it through the exchange and
    each student fetches it."""
    hub.as_user(INSTRUCTOR, "nbgrader", "release_feedback", ASSIGNMENT, cwd=hub.course)
    listing = hub.as_user(STUDENTS[1], "ls", str(hub.exchange / COURSE_ID / "feedback"), check=False)
    assert listing.returncode != 0 and "Permission denied" in listing.stderr, listing
    pg = hub.facts["postgres"]
    for student in STUDENTS:
        hub.as_user(student, "nbgrader", "fetch_feedback", ASSIGNMENT)
        # one feedback file, in the student's own folder, owned by the student
        (html,) = sorted((hub.home[student] / ASSIGNMENT / "feedback").rglob("*.html"))
        text = html.read_text()
        assert f"work of {student}" in text
        others = [o for o in STUDENTS if o != student]
        assert not any(f"work of {o}" in text for o in others), f"{student} got another's feedback"
        assert f"Score: {pg[student]['total']:.1f} / {pg[student]['max']:.1f}" in text
        assert html.stat().st_uid == _uid(student)


def test_no_student_can_read_another_students_submission(hub):
    denied = hub.facts["denied"]
    for what, run in denied.items():
        assert run.returncode != 0, f"{STUDENTS[1]} could {what}: {run.stdout[:500]}"
        assert "Permission denied" in run.stderr or "No such file" in run.stderr, (what, run.stderr)
    assert "Permission denied" in denied["list inbound"].stderr
    assert "Permission denied" in denied["read the work in the home"].stderr
    # a submission's folder is named student+assignment+timestamp+random: 12 characters of
    # urlsafe base64 (72 random bits) that nobody but its author and the instructor can list
    assert re.fullmatch(rf"{STUDENTS[0]}\+{ASSIGNMENT}\+.+\+[A-Za-z0-9_-]{{12}}", hub.facts["submission_name"])


def test_scores_in_postgresql_equal_those_graded_with_sqlite(hub):
    pg, lite = hub.facts["postgres"], hub.facts["sqlite"]
    assert pg == lite
    assert len(pg[STUDENTS[0]]["cells"]) >= 8, pg  # every test cell of the assignment


def test_a_student_logs_in_and_presses_validate_in_a_browser(hub, tmp_path):
    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("needs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    from .test_offline import cut_network, launch, screenshot

    student = STUDENTS[0]
    with sync_playwright() as p:
        browser = launch(p)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            refused = cut_network(context)
            page = context.new_page()
            page.goto(f"{hub.url}/hub/login")
            page.fill("#username_input", student)
            page.fill("#password_input", hub.passwords[student])
            page.click("#login_submit")
            page.wait_for_url(f"**/user/{student}/lab**", timeout=180_000)
            page.goto(f"{hub.url}/user/{student}/lab/tree/{ASSIGNMENT}/{notebook_name(ASSIGNMENT)}")
            button = page.locator(".jp-Notebook-toolbar, .jp-NotebookPanel-toolbar").get_by_text("Validate")
            button.first.wait_for(timeout=120_000)
            page.wait_for_timeout(2000)
            button.first.click()
            dialog = page.locator(".jp-Dialog")
            dialog.get_by_text("Success! Your notebook passes all the tests.").wait_for(timeout=180_000)
            shot = screenshot(page, "hub-validate", tmp_path)
        finally:
            browser.close()
    assert not refused, f"the hub's pages needed the network: {refused}"
    assert shot.stat().st_size > 10_000


def test_a_rerun_keeps_manual_grades(hub):
    """The instructor overrides a score and comments (as in the Formgrader), grades again."""
    student = STUDENTS[1]
    before = hub.facts["postgres"][student]
    cell = next(c for c, (auto, _) in before["cells"].items() if c.startswith("test_attention_scores")
                and auto is not None)
    code = """
import sys
from nbgrader.api import Gradebook
url, assignment, student, cell = sys.argv[1:5]
with Gradebook(url) as gb:
    nb = gb.find_submission_notebook("self_attention", assignment, student)
    grade = next(g for g in nb.grades if g.name == cell)
    grade.manual_score = grade.max_score
    comment = next(c for c in nb.comments if c.name == "attention_scores")
    comment.manual_comment = "Scaling comes in lesson 02: full marks for the idea."
    gb.db.commit()
"""
    hub.python(INSTRUCTOR, code, hub.db_url, ASSIGNMENT, student, cell)
    hub.as_user(INSTRUCTOR, "python3", "course.py", "grade", ASSIGNMENT, "--no-feedback", cwd=hub.course)
    after = hub.scores(hub.db_url)[student]
    assert after["cells"][cell][0] == before["cells"][cell][0], "the re-run changed the autograde"
    assert after["cells"][cell][1] is not None and after["cells"][cell][1] > (before["cells"][cell][0] or 0)
    assert after["comments"]["attention_scores"] == "Scaling comes in lesson 02: full marks for the idea."
    assert after["total"] > before["total"], (before["total"], after["total"])


def _uid(user: str) -> int:
    import pwd
    return pwd.getpwnam(user).pw_uid
