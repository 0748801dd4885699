"""No live student script where an instructor or a student looks.

One submission of lesson 01 answers every function correctly and, on the side, emits
output that carries script: HTML with <script>, <img onerror>, <details ontoggle>, an
inline <svg><script>, an <iframe srcdoc>, a javascript: link; an SVG with onload;
Javascript(); Markdown() with <img onerror>; a widget view; a PNG whose width metadata
smuggles an onload (nbconvert writes it unquoted); student-added markdown cells with raw
<script> and <img onerror>, a javascript: link, a mermaid block hiding an <img onerror>
behind "<!-->" and a formula whose \\href is javascript: (for MathJax, where the page
loads it); a raw HTML cell; widget state in the notebook's metadata.
Every payload, if it ran, would add its name to `window.__pwned`, set the page title,
request http://127.0.0.1:<port>/hit/<name> from a listener this test runs, and alert().

It is graded by the real grade command. Then:
(a) the autograded notebook and the feedback HTML hold none of the payloads;
(b) in a real browser (Playwright driving Debian's chromium) the Formgrader's
    manual-grading page of that submission, served by a live Jupyter server on the
    scratch course, and the feedback page (as a file, and as that server serves it) run
    none of them — no marker, no dialog, no hit on the listener, no event handler or
    javascript: URL in the notebook's part of the page — and still show the student's
    text;
(c) a control: the same executed notebook rendered WITHOUT sanitising (nbconvert's
    HTML exporter, the template the Formgrader and the feedback build on) does run the
    payloads in the same harness, so the test can fail.

The harness blocks every request that leaves the machine; the page's own jQuery, which
the feedback and the control would load from a CDN, is stood in for by a stub, so that
a payload is not stopped merely because the page is offline.
"""
import base64
import http.server
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import zlib
from pathlib import Path

import nbformat
import pytest
from bleach.html5lib_shim import HTMLParser
from nbgrader.api import Gradebook

from tools import ROOT, grade
from tools.jail import sandbox_problem

from .conftest import copy_course, make_submission, notebook_name, solution_code

FIRST = "01_self_attention"
STUDENT = "script-kiddie"
TOKEN = "PWNED"  # in every payload, and in no page of the course
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
SAFE_MIMES = {"text/plain", "text/html", "image/png", "image/jpeg"}
LIVE_TAGS = {"script", "iframe", "frame", "object", "embed", "applet", "svg", "math", "base", "form"}
VISIBLE = ["student-stdout-visible", "student-html-visible", "markdown-cell-visible"]


# --- the payloads ------------------------------------------------------------------------

def js(name: str, port: int) -> str:
    """What a payload runs: no spaces and no double quotes, so it fits any attribute."""
    return (f"top.__pwned=(top.__pwned||[]).concat(['{name}']);top.document.title='{TOKEN}-{name}';"
            f"new(Image)().src='http://127.0.0.1:{port}/hit/{name}';alert('{TOKEN}-{name}')")


def _png() -> str:
    """A valid 2x2 red PNG, base64."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\0" + b"\xff\x00\x00" * 2 for _ in range(2))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return base64.b64encode(png).decode()


def payload_code(port: int) -> dict[str, str]:
    """Lines emitting the payloads, put before the correct answer of each function."""
    def j(name):
        return js(name, port)

    def html(markup):
        return f"display(HTML({markup!r}))"

    unquoted = "eval(String.fromCharCode(" + ",".join(str(ord(ch)) for ch in j("png-width-onload")) + "))"
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" onload="' + j("svg-onload")
           + '"><circle cx="20" cy="20" r="15" fill="red"/></svg>')
    markdown = '**student-markdown-output** <img src=x onerror="' + j("markdown-output") + '">'
    widget = {"application/vnd.jupyter.widget-view+json": {"model_id": TOKEN, "version_major": 2,
                                                           "version_minor": 0},
              "text/plain": "student-widget-text"}
    png = {"image/png": _png(), "text/plain": "student-png"}
    png_meta = {"image/png": {"width": "8 onload=" + unquoted}}
    lines = {
        "project_qkv": [
            "print('student-stdout-visible')",
            html("<b>student-html-visible</b><script>" + j("html-script") + "</script>"),
            html('<img src=x onerror="' + j("html-img-onerror") + '">'),
        ],
        "attention_scores": [
            f"display(SVG({svg!r}))",
            f"display(Javascript({j('javascript')!r}))",
        ],
        "softmax": [
            f"display(Markdown({markdown!r}))",
            f"display({widget!r}, raw=True)",
        ],
        "self_attention": [
            html('<details open ontoggle="' + j("html-details-ontoggle") + '">x</details>'),
            html("<svg><script>" + j("html-svg-script") + "</script></svg>"),
            html('<iframe srcdoc="&lt;script&gt;' + j("html-iframe") + '&lt;/script&gt;"></iframe>'),
            html('<a href="javascript:' + j("html-link") + '">click me</a>'),
            f"display({png!r}, metadata={png_meta!r}, raw=True)",
        ],
    }
    head = "from IPython.display import HTML, SVG, Javascript, Markdown, display\n"
    return {fn: head + "\n".join(code) + "\n\n" for fn, code in lines.items()}


def add_cells(port: int):
    """Student-added markdown and raw cells, and widget state in the metadata."""
    def j(name):
        return js(name, port)

    cells = [
        nbformat.v4.new_markdown_cell(
            "**markdown-cell-visible**: my notes.\n\n"
            f"<script>{j('md-cell-script')}</script>\n\n"
            f'<img src=x onerror="{j("md-cell-img")}">\n'),
        nbformat.v4.new_markdown_cell(f"A link: [notes](javascript:{j('md-cell-link')})\n"),
        nbformat.v4.new_markdown_cell(f'```mermaid\n<!--><img src=x onerror="{j("md-mermaid")}">-->\n```\n'),
        nbformat.v4.new_markdown_cell(f"A formula: $\\href{{javascript:{j('mathjax-href')}}}{{x}}$\n"),
        nbformat.v4.new_raw_cell(f'<script>{j("raw-cell")}</script><img src=x onerror="{j("raw-cell-img")}">',
                                 metadata={"raw_mimetype": "text/html"}),
    ]
    state = {"application/vnd.jupyter.widget-state+json": {"version_major": 2, "version_minor": 0, "state": {
        TOKEN: {"model_name": "HTMLModel", "model_module": "@jupyter-widgets/controls",
                "model_module_version": "2.0.0",
                "state": {"value": f'<img src=x onerror="{j("widget-state")}">'}}}}}

    def edit(nb):
        nb["cells"][1:1] = [json.loads(json.dumps(c)) for c in cells]
        nb["metadata"]["widgets"] = state
    return edit


# payloads the unsanitised nbconvert rendering lets run (the control); the others are
# stopped by nbconvert itself there (SVG is shown as an <img>, raw cells are cleaned)
# or need a widget manager from the network, and still must not survive sanitising.
LIVE_WITHOUT_SANITISING = {"html-script", "html-img-onerror", "javascript", "markdown-output",
                           "html-details-ontoggle", "html-svg-script", "html-iframe",
                           "png-width-onload", "md-cell-script", "md-cell-img", "md-mermaid"}


# --- fixtures ----------------------------------------------------------------------------

class _Listener(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.hits.append(self.path)
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def listener():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Listener)
    server.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def course(tmp_path_factory, listener):
    """The scratch course with the one submission."""
    course = copy_course(tmp_path_factory.mktemp("course"))
    port = listener.server_address[1]
    answers = solution_code(FIRST)
    replace = {fn: code + answers[fn] for fn, code in payload_code(port).items()}
    make_submission(course, STUDENT, FIRST, replace=replace, edit=add_cells(port))
    return course


@pytest.fixture(scope="module")
def graded(course, server):
    """The submission graded by the grade command (the Jupyter server starts meanwhile)."""
    (sub,) = grade.grade(course, [FIRST], jobs=1, progress=False, sandbox=sandbox_problem() is None)
    assert sub.score == sub.max_score > 0, f"{sub.score}/{sub.max_score}: {sub.notes}"
    return course


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("needs Playwright for Python (pip install -r requirements.txt)")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    except Exception as exc:  # noqa: BLE001 - any reason the browser cannot start
        pw.stop()
        pytest.skip(f"chromium could not be launched: {str(exc).strip().splitlines()[0]}")
    yield b
    b.close()
    pw.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(course, tmp_path_factory):
    """A Jupyter server with the course's extensions (nbgrader's Formgrader among them),
    its root the scratch course, on a free loopback port; started here, waited for by
    `formgrader`."""
    port, token = _free_port(), "no-student-script"
    runtime = tmp_path_factory.mktemp("runtime")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(JUPYTER_RUNTIME_DIR=str(runtime), PYTHONPATH=str(ROOT),
               PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""))
    cmd = [str(Path(sys.executable).parent / "jupyter"), "server", f"--ServerApp.root_dir={course}",
           f"--port={port}", "--ip=127.0.0.1", f"--IdentityProvider.token={token}", "--no-browser",
           '--ServerApp.tornado_settings={"ws_ping_interval": 0}']
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = runtime / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=course, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc, f"http://127.0.0.1:{port}", token, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def formgrader(graded, server):
    """The server, once it answers the Formgrader's API."""
    proc, base, token, log = server
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{base}/formgrader/api/assignments?token={token}", timeout=5) as r:
                if r.status == 200:
                    return base, token
        except OSError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.3)


# --- checks --------------------------------------------------------------------------------

def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower()


def hazards(html: str, allowed_handlers=()) -> list[str]:
    """Everything in a page that could run a student's script, as a browser parses it:
    live elements, event handlers, javascript:/vbscript:/data: URLs, and any script or
    attribute that carries the payload token."""
    found = []
    for el in HTMLParser(namespaceHTMLElements=False).parse(html).iter():
        if not isinstance(el.tag, str):
            continue
        tag = _local(el.tag)
        text = "".join(el.itertext())
        if tag == "script" and (TOKEN in text or TOKEN in el.get("src", "")
                                or "widget" in el.get("type", "")):
            found.append(f"<script> {text.strip()[:80]!r}")
        elif tag in LIVE_TAGS - {"script"}:
            found.append(f"<{tag}>")
        for name, value in el.attrib.items():
            name = _local(name)
            plain = "".join(value.split()).lower()
            handler = name.startswith("on") and value not in allowed_handlers
            script_url = plain.startswith(("javascript:", "vbscript:")) or (
                plain.startswith("data:") and not (tag == "img" and plain.startswith(
                    ("data:image/png", "data:image/jpeg"))))
            # a payload's text in an attribute (bleach keeps a stripped <script>'s text, and
            # markdown turns the URL in it into a plain http link, which is harmless)
            carried = TOKEN in value and not plain.startswith(("http:", "https:"))
            if handler or script_url or carried:
                found.append(f"<{tag} {name}={value[:60]!r}>")
    return found


def _feedback_html(course: Path) -> Path:
    return course / "feedback" / STUDENT / FIRST / notebook_name(FIRST).replace(".ipynb", ".html")


def test_autograded_notebook_holds_no_payload(graded):
    from nbconvert.exporters import HTMLExporter
    path = graded / "autograded" / STUDENT / FIRST / notebook_name(FIRST)
    nb = nbformat.read(str(path), as_version=4)
    assert "widgets" not in nb.metadata, "the notebook's widget state was kept"
    exporter = HTMLExporter()
    problems = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if set(data) - SAFE_MIMES:
                problems.append(f"cell {i}: an output of type {sorted(set(data) - SAFE_MIMES)} was kept")
            if "text/html" in data:
                problems += [f"cell {i} text/html: {h}" for h in hazards(data["text/html"])]
            for md in out.get("metadata", {}).values():
                bad = {k: v for k, v in (md.items() if isinstance(md, dict) else []) if k in ("width", "height")
                       and not isinstance(v, (int, float))}
                if bad:
                    problems.append(f"cell {i}: image metadata {bad} was kept")
        if cell.cell_type == "markdown":  # as the Formgrader and the feedback render it
            rendered = exporter.markdown2html({"cell": cell}, cell.source)
            problems += [f"markdown cell {i}: {h}" for h in hazards(rendered)]
    assert not problems, "\n".join(problems)
    text = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "student-stdout-visible" in text and "student-html-visible" in text


def test_feedback_html_holds_no_payload(graded):
    html = _feedback_html(graded).read_text()
    assert not hazards(html), "\n".join(hazards(html))
    for text in VISIBLE:
        assert text in html, f"the feedback lost the student's text {text!r}"


# --- in the browser -----------------------------------------------------------------------

JQUERY_STUB = "window.jQuery=window.$=function(){return {ready:function(){}}};"

PROBE = """() => {
  const area = document.querySelector('#notebook-container') || document.body;
  const handlers = [], urls = [];
  for (const el of area.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.toLowerCase().startsWith('on')) handlers.push(el.tagName + ' ' + a.name);
    }
    for (const prop of ['href', 'src', 'action', 'data']) {
      const v = (typeof el[prop] === 'string') ? el[prop] : '';
      if (/^(javascript|vbscript):/i.test(v)) urls.push(el.tagName + ' ' + prop + '=' + v.slice(0, 40));
    }
  }
  return {pwned: top.__pwned || [], title: document.title, handlers: handlers, urls: urls,
          scripts: Array.from(area.querySelectorAll('script')).map(s => s.type)
                        .filter(type => !type.startsWith('math/')),  // MathJax keeps TeX in these
          text: document.body.innerText};
}"""


# screenshots of a page beside its top: name -> a text on the part to show
SHOTS = {"student": "markdown-cell-visible", "svg-js": "IPython.core.display.SVG",
         "html": "click me"}


def _route(route):
    url = urllib.parse.urlsplit(route.request.url)
    if url.scheme in ("file", "data", "about", "blob") or url.hostname in ("127.0.0.1", "localhost"):
        route.continue_()
    elif "jquery" in url.path:
        route.fulfill(status=200, content_type="application/javascript", body=JQUERY_STUB)
    else:  # nothing leaves the machine
        route.abort()


def visit(browser, url: str, listener, shot: Path) -> dict:
    """Open a page, let it settle, and report what ran. Screenshots of its top (`shot`)
    and of the student's cells (`<shot>-<part>.png`, see SHOTS) are saved, and copied to
    $COURSE_TEST_SCREENSHOTS if that is set."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    listener.hits.clear()
    context = browser.new_context(viewport={"width": 1200, "height": 1400})
    context.route("**/*", _route)
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        response = page.goto(url, wait_until="load", timeout=30_000)
        served = response.text() if response is not None and url.startswith("http") else ""
        try:
            page.wait_for_load_state("networkidle", timeout=5_000)
        except PlaywrightTimeout:
            pass
        try:  # MathJax, where the page loads it, has typeset the formulas
            page.wait_for_function("() => !window.MathJax || !MathJax.Hub || (MathJax.Hub.queue.pending === 0"
                                   " && MathJax.Hub.queue.running === 0)", timeout=15_000)
        except PlaywrightTimeout:
            pass
        page.wait_for_timeout(500)  # timers, toggles, image loads
        state = page.evaluate(PROBE)
        page.screenshot(path=str(shot))  # the page as it opens
        shots = [shot]
        for part, anchor in SHOTS.items():  # and scrolled to the student's cells
            found = page.get_by_text(anchor)
            box = found.first.bounding_box() if found.count() else None
            if box:
                page.evaluate("y => window.scrollBy(0, y)", box["y"] - 80)
                shots.append(shot.with_name(f"{shot.stem}-{part}.png"))
                page.screenshot(path=str(shots[-1]))
    finally:
        context.close()
    if os.environ.get("COURSE_TEST_SCREENSHOTS"):
        keep = Path(os.environ["COURSE_TEST_SCREENSHOTS"])
        keep.mkdir(parents=True, exist_ok=True)
        for s in shots:
            shutil.copy(s, keep / s.name)
    time.sleep(0.2)  # a beacon still in flight
    return {**state, "dialogs": dialogs, "hits": list(listener.hits), "served": served}


def assert_nothing_ran(seen: dict) -> None:
    assert seen["pwned"] == [], f"student script ran: {seen['pwned']}"
    assert TOKEN not in seen["title"], seen["title"]
    assert seen["dialogs"] == [], f"dialogs opened: {seen['dialogs']}"
    assert seen["hits"] == [], f"the listener was reached: {seen['hits']}"
    assert seen["handlers"] == [], f"event handlers in the notebook: {seen['handlers']}"
    assert seen["urls"] == [], f"script URLs in the notebook: {seen['urls']}"
    assert seen["scripts"] == [], f"<script> elements inside the notebook: {seen['scripts']}"
    for text in VISIBLE:
        assert text in seen["text"], f"the page lost the student's text {text!r}"


def test_formgrader_manual_grading_page_runs_no_student_script(browser, graded, formgrader, listener,
                                                               tmp_path):
    base, token = formgrader
    with Gradebook(grade.db_url(graded)) as gb:
        sid = gb.find_submission_notebook(notebook_name(FIRST).removesuffix(".ipynb"), FIRST, STUDENT).id
    url = f"{base}/formgrader/submissions/{sid}/?index=0&token={token}"
    seen = visit(browser, url, listener, tmp_path / "formgrader-submission.png")
    served = seen["served"]
    assert "Student's answer" in served, served[:2000]  # it is the manual-grading page
    own = ("toggle_name(true);", "toggle_name(false);")  # the Formgrader's own handlers
    assert not hazards(served, own), "\n".join(hazards(served, own))
    assert_nothing_ran(seen)
    assert "Student's answer" in seen["text"]


def test_feedback_file_runs_no_student_script(browser, graded, listener, tmp_path):
    seen = visit(browser, _feedback_html(graded).as_uri(), listener, tmp_path / "feedback-file.png")
    assert_nothing_ran(seen)


def test_feedback_served_by_jupyter_runs_no_student_script(browser, graded, formgrader, listener, tmp_path):
    """The feedback as a student opens it on a Jupyter server (nbgrader release_feedback)."""
    base, token = formgrader
    path = _feedback_html(graded).relative_to(graded).as_posix()
    seen = visit(browser, f"{base}/files/{path}?token={token}", listener, tmp_path / "feedback-served.png")
    assert "Score" in seen["served"], seen["served"][:2000]
    assert_nothing_ran(seen)


def test_control_unsanitised_rendering_runs_the_payloads(browser, graded, listener, tmp_path):
    """The same submission, executed and rendered by nbconvert without sanitising: the
    harness sees the payloads run (so the tests above can fail)."""
    from nbclient import NotebookClient
    from nbconvert.exporters import HTMLExporter
    work = tmp_path / "control"
    shutil.copytree(graded / "submitted" / STUDENT / FIRST, work)
    nb = nbformat.read(str(work / notebook_name(FIRST)), as_version=4)
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(work)}}).execute()
    html, _ = HTMLExporter(template_name="classic").from_notebook_node(nb)
    page = work / "unsanitised.html"
    page.write_text(html)
    assert hazards(html), "the static check finds nothing in the unsanitised page"
    seen = visit(browser, page.as_uri(), listener, tmp_path / "control-unsanitised.png")
    ran = set(seen["pwned"])
    assert ran == LIVE_WITHOUT_SANITISING, (f"ran: {sorted(ran)}; expected: {sorted(LIVE_WITHOUT_SANITISING)}")
    assert seen["dialogs"] and seen["hits"] and TOKEN in seen["title"]
    assert any("javascript:" in u for u in seen["urls"])  # the markdown cell's link
    # the SVG payload, which nbconvert shows as an <img>, runs where it is shown inline
    inline = next(o["data"]["image/svg+xml"] for c in nb.cells for o in c.get("outputs", [])
                  if "image/svg+xml" in o.get("data", {}))
    svg_page = tmp_path / "control-svg-inline.html"
    svg_page.write_text(f"<!DOCTYPE html><html><body>{inline}</body></html>")
    seen = visit(browser, svg_page.as_uri(), listener, tmp_path / "control-svg-inline.png")
    assert seen["pwned"] == ["svg-onload"], seen["pwned"]
