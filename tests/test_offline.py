"""The course's pages render their LaTeX without a network: the Formgrader's grading
page, a student's feedback HTML and a lecture, opened from `course.py lab` in a real
browser (Playwright driving Debian's chromium) that may reach nothing but this machine.
MathJax comes from installed packages: JupyterLab's own for the lectures,
jupyter-server-mathjax (through nbgrader_templates/) for nbgrader's pages.

Set COURSE_TEST_SCREENSHOTS=<folder> to keep a screenshot of each page."""
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from .conftest import make_submission
from .test_lab import TOKEN, running_lab, scratch_course

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
LOCAL = ("127.0.0.1", "localhost", "::1", "[::1]")
# a formula left as typed: $...$ on one line (rendered math leaves no dollar signs)
RAW_FORMULA = re.compile(r"\$[^$\n]{1,200}\$")

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason="needs Debian's chromium (apt-get install chromium)")


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def cut_network(context) -> list[str]:
    """Every request that leaves this machine is aborted and recorded."""
    refused: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith(("data:", "blob:", "about:")) or urlparse(url).hostname in LOCAL:
            r.continue_()
        else:
            refused.append(url)
            r.abort()

    context.route("**/*", route)
    return refused


def screenshot(page, name: str, fallback: Path) -> Path:
    folder = Path(os.environ.get("COURSE_TEST_SCREENSHOTS") or fallback)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))
    return folder / f"{name}.png"


def check_math(page, math: str, text: str, wait_ms: int = 30000) -> dict:
    """Wait for MathJax's output, then count it and the formulas left raw."""
    page.wait_for_selector(math, timeout=wait_ms)
    page.wait_for_timeout(1500)  # let MathJax finish the page
    shown = "\n".join(page.locator(text).all_inner_texts())
    return {"rendered": page.locator(math).count(), "raw": RAW_FORMULA.findall(shown), "text": len(shown)}


@pytest.fixture(scope="module")
def graded_lab(tmp_path_factory):
    """A scratch course with one graded submission, and `course.py lab` on it."""
    tmp = tmp_path_factory.mktemp("offline")
    course = scratch_course(tmp / "course")
    make_submission(course, "alice", "01_self_attention")
    run = subprocess.run([sys.executable, str(course / "course.py"), "grade", "01_self_attention"],
                         check=False, cwd=course, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert (course / "feedback" / "alice" / "01_self_attention" / "self_attention.html").is_file()
    with running_lab(course, tmp / "runtime") as lab:
        yield lab, tmp


PAGES = {
    # name: (url, MathJax output elements, the page's text where formulas are)
    "formgrader": (None, ".MathJax", ".text_cell_render"),
    "feedback": (f"/files/feedback/alice/01_self_attention/self_attention.html?token={TOKEN}",
                 ".MathJax", ".text_cell_render"),
    "lecture": (f"/lab/tree/notebooks/01_self_attention.ipynb?token={TOKEN}", "mjx-container",
                ".jp-MarkdownOutput"),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders_its_math_with_the_network_cut(graded_lab, name):
    from playwright.sync_api import sync_playwright

    lab, tmp = graded_lab
    url, math, text = PAGES[name]
    if url is None:  # the Formgrader's grading page of alice's notebook
        (nb,) = lab.request("/formgrader/api/submitted_notebooks/01_self_attention/self_attention")
        url = f"/formgrader/submissions/{nb['id']}/?index=0"
    with sync_playwright() as p:
        browser = launch(p)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            refused = cut_network(context)
            if name == "formgrader":  # an instructor who logged in to the lab first
                context.new_page().goto(f"{lab.base}/tree?token={TOKEN}")
            page = context.new_page()
            console: list[str] = []
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            page.goto(lab.base + url)
            seen = check_math(page, math, text)
            shot = screenshot(page, name, tmp / "screenshots")
        finally:
            browser.close()
    assert not refused, f"{name} needed the network: {refused}"
    assert seen["text"] > 200, f"{name}: the page shows no text ({shot})"
    assert seen["rendered"] >= 5, f"{name}: only {seen['rendered']} formulas rendered ({shot})"
    assert not seen["raw"], f"{name}: formulas left as LaTeX: {seen['raw'][:5]} ({shot})"
    undefined = [m for m in console if "MathJax is not defined" in m]
    assert not undefined, f"{name}: {undefined}"
