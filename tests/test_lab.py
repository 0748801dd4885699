"""The README's first command: JupyterLab opens on the course, headless it prints the
URL, and nbgrader's extensions (Validate, Assignments, Formgrader) are on."""
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

from tools import ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=20) as r:
        return r.status, r.read().decode()


def test_lab_command_serves_the_course_with_nbgrader_extensions(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path)
    log = tmp_path / "lab.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "course.py"), "lab", f"--port={port}", "--ip=127.0.0.1",
             "--IdentityProvider.token=course-test"], stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 90
        url = None
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.5)
            m = re.search(rf"http://127\.0\.0\.1:{port}/lab\?token=", log.read_text())
            url = m and m.group(0)
        text = log.read_text()
        assert url, f"no URL printed:\n{text[-3000:]}"
        assert "open the URL" in text
        base = f"http://127.0.0.1:{port}"
        tok = "?token=course-test"
        status, body = _get(f"{base}/lab/api/extensions{tok}")
        assert status == 200
        names = {e["name"] for e in json.loads(body)}
        assert "jupyter-nbgrader" in names, names
        status, body = _get(f"{base}/formgrader/api/assignments{tok}")  # Formgrader
        assert "01_self_attention" in body
        status, body = _get(f"{base}/courses{tok}")  # the Assignments panel
        assert json.loads(body)["success"], body
        status, body = _get(f"{base}/nbgrader_version{tok}&version=0.9.6")  # Validate
        assert json.loads(body)["success"], body
        status, body = _get(f"{base}/api/contents/release/01_self_attention{tok}")
        assert "self_attention.ipynb" in body
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
