"""nbgrader's own commands (the Formgrader's Autograde and Generate Feedback buttons run
them) are as safe as `course.py grade`: through nbgrader_config.py they use the same
engine, so tests run outside the student's kernel, links are refused, outputs are
sanitised and feedback never shows the hidden tests."""
import os
import subprocess
import sys

import pytest
from nbgrader.api import Gradebook

from tools import grade

from .conftest import copy_course, make_submission, notebook_name
from .test_grading import FIRST, WRONG_SOFTMAX, needs_sandbox


def nbgrader(course, *args):
    env = dict(os.environ, PYTHONPATH=str(grade.ROOT))
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, check=False,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def autograded(tmp_path_factory):
    course = copy_course(tmp_path_factory.mktemp("nbgrader-course"))
    make_submission(course, "solution", FIRST)
    make_submission(course, "honest", FIRST, replace={"softmax": WRONG_SOFTMAX})
    make_submission(course, "cheat", FIRST, replace={"softmax": WRONG_SOFTMAX + (
        "np.allclose = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None\n")})
    make_submission(course, "leaker", FIRST, replace={"softmax": (
        "def softmax(x, axis=-1):\n"
        "    import gc\n"
        "    print('LEAK', [o for o in gc.get_objects() if isinstance(o, str) and '_ref_' in o][:5])\n"
        "    z = np.exp(x - np.max(x, axis=axis, keepdims=True))\n"
        "    return z / z.sum(axis=axis, keepdims=True)\n")})
    link = course / "submitted" / "linker" / FIRST / notebook_name(FIRST)
    link.parent.mkdir(parents=True)
    link.symlink_to(course / "source" / FIRST / notebook_name(FIRST))
    assert nbgrader(course, "generate_assignment", FIRST, "--force").returncode == 0
    run = nbgrader(course, "autograde", FIRST, "--force")
    feedback = nbgrader(course, "generate_feedback", FIRST, "--force")
    return course, run, feedback


def total(course, student):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return gb.find_submission(FIRST, student).score


@needs_sandbox
def test_nbgrader_autograde_grades_the_class_with_the_course_engine(autograded):
    course, run, _ = autograded
    assert total(course, "solution") == 15, run.stdout + run.stderr
    assert total(course, "leaker") == 15
    assert 0 < total(course, "honest") < 15


@needs_sandbox
def test_nbgrader_autograde_cannot_be_talked_out_of_failing(autograded):
    course, _, _ = autograded
    assert total(course, "cheat") == total(course, "honest")


@needs_sandbox
def test_nbgrader_autograde_refuses_a_linked_notebook(autograded):
    course, run, _ = autograded
    assert "symbolic link" in run.stdout + run.stderr
    assert not list((course / "autograded").glob("linker/**/*.ipynb"))
    for path in (course / "feedback").rglob("*"):
        assert "linker" not in path.parts


@needs_sandbox
def test_nbgrader_generate_feedback_never_shows_hidden_tests(autograded):
    course, _, feedback = autograded
    pages = list((course / "feedback").rglob("*.html"))
    assert {p.parts[-3] for p in pages} >= {"solution", "honest", "cheat", "leaker"}, feedback.stderr
    for page in pages:
        text = page.read_text()
        assert "BEGIN HIDDEN TESTS" not in text and "_ref_scores" not in text, page
    assert "LEAK []" in (course / "feedback" / "leaker" / FIRST / "self_attention.html").read_text()
