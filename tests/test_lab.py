"""The README's first command: JupyterLab opens on the course, headless it prints the
URL, nbgrader's extensions (Validate, Assignments, Formgrader) are on, every assignment is
released into the local exchange, and a student works through a lesson with the
Assignments panel (fetch, edit, Validate, submit) without touching release/. The lab's log
is free of warnings.

Each test runs `course.py lab` on a scratch copy of the course (its .venv a link to this
one's), so that nothing a student's work creates lands in this checkout."""
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from tools import ROOT, assignments, build
from tools.notebooks import comparable, read

from .conftest import grade_id, notebook_name, solution_code

COURSE_FILES = ("course.py", "nbgrader_config.py", "requirements.txt", "nbgrader_templates", "notebooks",
                "source", "release", "tools")
TOKEN = "course-test"


def scratch_course(dest: Path) -> Path:
    """What a student has after cloning, with this checkout's environment."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(ROOT / name, dest / name)
    (dest / ".venv").symlink_to(ROOT / ".venv")
    return dest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    def __init__(self, course: Path, base: str, log: Path):
        self.course, self.base, self.log = course, base, log

    def request(self, path: str, data: dict | None = None, method: str | None = None,
                body: bytes | None = None):
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
        req = urllib.request.Request(self.base + path, data=body, method=method,
                                     headers={"Authorization": f"token {TOKEN}"})
        with urllib.request.urlopen(req, timeout=120) as r:
            text = r.read().decode()
        return json.loads(text) if text and text[0] in "[{" else text

    def warnings(self) -> list[str]:
        return [line for line in self.log.read_text().splitlines() if re.match(r"\[[WE] ", line)]


@contextlib.contextmanager
def running_lab(course: Path, runtime: Path):
    """`python3 course.py lab` in `course`, headless, until the block ends."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    # Jupyter's per-user folders (nbgrader's submission cache, JupyterLab's workspaces) in
    # the test's own folder, not in this user's home
    env.update(JUPYTER_RUNTIME_DIR=str(runtime), JUPYTER_DATA_DIR=str(runtime / "data"),
               JUPYTER_CONFIG_DIR=str(runtime / "config"))
    log = runtime / "lab.log"
    runtime.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, str(course / "course.py"), "lab", f"--port={port}", "--ip=127.0.0.1",
             f"--IdentityProvider.token={TOKEN}"], stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 120
        url = None
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.5)
            m = re.search(rf"http://127\.0\.0\.1:{port}/lab\?token=", log.read_text())
            url = m and m.group(0)
        assert url, f"no URL printed:\n{log.read_text()[-3000:]}"
        yield Lab(course, f"http://127.0.0.1:{port}", log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _kernel_round_trip(lab: Lab) -> None:
    """Start a kernel, talk to it over its websocket as JupyterLab does, shut it down."""
    from tornado.ioloop import IOLoop
    from tornado.websocket import websocket_connect

    kernel = lab.request("/api/kernels", method="POST", body=b"{}")
    session = uuid.uuid4().hex
    ws_url = (lab.base.replace("http", "ws") +
              f"/api/kernels/{kernel['id']}/channels?session_id={session}&token={TOKEN}")

    async def talk():
        conn = await websocket_connect(ws_url)
        conn.write_message(json.dumps({
            "header": {"msg_id": uuid.uuid4().hex, "username": "test", "session": session,
                       "msg_type": "kernel_info_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "content": {}, "channel": "shell"}))
        for _ in range(50):
            msg = json.loads(await conn.read_message())
            if msg["header"]["msg_type"] == "kernel_info_reply":
                break
        conn.close()
        return msg["header"]["msg_type"]

    assert IOLoop.current().run_sync(talk, timeout=60) == "kernel_info_reply"
    lab.request(f"/api/kernels/{kernel['id']}", method="DELETE")


def test_lab_command_serves_the_course_with_nbgrader_extensions(tmp_path):
    course = scratch_course(tmp_path / "course")
    with running_lab(course, tmp_path / "runtime") as lab:
        text = lab.log.read_text()
        assert "open the URL" in text
        names = {e["name"] for e in lab.request("/lab/api/extensions")}
        assert "jupyter-nbgrader" in names, names
        for _ in range(2):  # the Formgrader's pages, as an instructor opens them
            assert "Manage Assignments" in lab.request("/formgrader/manage_assignments")
        assert "01_self_attention" in json.dumps(lab.request("/formgrader/api/assignments"))
        assert lab.request("/courses")["success"]  # the Assignments panel
        assert lab.request("/nbgrader_version?version=0.9.6")["success"]  # Validate
        assert "MathJax.js" in lab.request("/static/jupyter_server_mathjax/MathJax.js")
        _kernel_round_trip(lab)
        time.sleep(1)
        warnings = lab.warnings()
    assert not warnings, "the lab logged warnings:\n" + "\n".join(warnings)


def test_a_student_works_through_a_lesson_without_touching_release(tmp_path):
    """The README's student steps: the Assignments panel lists every lesson (released into
    the local exchange by `lab`), Fetch copies one into <assignment>/, the student fills it
    in, Validate checks it, Submit hands it in. release/ stays exactly what the release
    command generates, and everything the work created is ignored by git."""
    course = scratch_course(tmp_path / "course")
    before = {p.relative_to(course) for p in course.rglob("*")}
    name = "01_self_attention"
    nb_name = notebook_name(name)
    nb_path = f"{name}/{nb_name}"
    with running_lab(course, tmp_path / "runtime") as lab:
        listed = lab.request("/assignments?course_id=self-attention")
        assert listed["success"], listed
        assert {a["assignment_id"]: a["status"] for a in listed["value"]} == {
            a: "released" for a in assignments()}, listed

        fetched = lab.request("/assignments/fetch", {"course_id": "self-attention", "assignment_id": name})
        assert fetched["success"], fetched
        status = {a["assignment_id"]: a["status"] for a in fetched["value"]}
        assert status[name] == "fetched", fetched
        assert (course / nb_path).is_file()

        stub = lab.request("/assignments/validate", {"path": nb_path})
        assert stub["success"], stub
        assert stub["value"].get("failed"), stub  # the empty stubs fail their tests

        model = lab.request(f"/api/contents/{nb_path}?content=1")
        answers = solution_code(name)
        for cell in model["content"]["cells"]:
            if cell["metadata"].get("nbgrader", {}).get("solution") and grade_id(cell) in answers:
                cell["source"] = answers[grade_id(cell)]
        lab.request(f"/api/contents/{nb_path}", method="PUT",
                    body=json.dumps({"type": "notebook", "format": "json",
                                     "content": model["content"]}).encode())

        solved = lab.request("/assignments/validate", {"path": nb_path})
        assert solved["success"] and solved["value"] == {}, solved  # {}: no failing test

        submitted = lab.request("/assignments/submit", {"course_id": "self-attention", "assignment_id": name})
        assert submitted["success"], submitted
        inbound = sorted((course / "exchange" / "self-attention" / "inbound").glob(f"*+{name}+*"))
        assert len(inbound) == 1, inbound
        sent = json.loads((inbound[0] / nb_name).read_text())
        sent_code = {grade_id(c): "".join(c["source"]) for c in sent["cells"]}
        assert all(sent_code[fn] == code for fn, code in answers.items()), "the submission is not the work"
    # (the log here holds nbgrader's and Jupyter's own notes on a student's work: a fetched
    # notebook "is not trusted"; Submit sees the .ipynb_checkpoints copy as an extra notebook)

    # release/ untouched: byte for byte the committed one, and what `release` generates
    fresh = build.release(course, None, tmp_path / "regenerated")
    for a in assignments():
        n = notebook_name(a)
        assert (course / "release" / a / n).read_bytes() == (ROOT / "release" / a / n).read_bytes(), a
        assert comparable(read(course / "release" / a / n)) == comparable(
            read(tmp_path / "regenerated" / a / n)), f"release/{a} changed"
        assert sorted(p.name for p in (course / "release" / a).iterdir()) == [n], a
    assert len(fresh) == len(assignments())

    # everything the student's work created is ignored by git
    created = sorted(str(p.relative_to(course)) for p in course.rglob("*")
                     if p.is_file() and p.relative_to(course) not in before)
    assert any(c.startswith(f"{name}/") for c in created), created
    assert any(c.startswith("exchange/") for c in created), created
    check = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "--no-index", "--stdin", "-z"],
                           check=False, input="\0".join(created), capture_output=True, text=True)
    ignored = set(check.stdout.split("\0"))
    assert not set(created) - ignored, f"created but not ignored by git: {sorted(set(created) - ignored)}"
