"""The grade command end to end, through nbgrader's real autograder, in a scratch copy
of the course: one simulated class, graded once, and one test per thing it must get
right — the instructor's solution, the untouched release, every plausible mistake and
every alternative solution in tests/variants/, and every way a submission can break.
"""
import csv
import socket
import sqlite3
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from tools import assignments, grade

from .conftest import (
    copy_course,
    grade_id,
    load_variants,
    make_submission,
    notebook_name,
    solution_code,
)

FIRST = "01_self_attention"
LEAK = "/source/"  # a path the sandbox must hide


def variant_cases():
    wrong, right = [], []
    for a in assignments():
        mod = load_variants(a)
        wrong += [pytest.param(a, name, fn, src, id=f"{a}-{name}") for name, fn, _why, src in mod.WRONG]
        right += [pytest.param(a, name, fn, src, id=f"{a}-{name}") for name, fn, src in mod.RIGHT]
    return wrong, right


WRONG, RIGHT = variant_cases()


def _cell(nb, gid):
    return next(c for c in nb["cells"] if grade_id(c) == gid)


def _first_test(nb):
    return next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade"))


def failure_cases(course: Path, port: int) -> dict:
    """Students of lesson 01 whose submissions break in one way each. `port`: a port on
    which the grader's machine listens on loopback (the sandbox must not reach it)."""
    sol = FIRST
    cases = {}

    def add(student, **kw):
        make_submission(course, student, sol, **kw)
        cases[student] = sol

    add("loops-forever", replace={"softmax": "while True:\n    pass"})
    add("kernel-dies", replace={"softmax": "import os\nos._exit(1)"})
    add("memory-bomb", replace={"softmax": "hog = [bytearray(10**8) for _ in range(10**4)]"})
    add("floods-output", replace={"softmax": "while True:\n    print('spam' * 1000)"})
    add("duplicates-test-cell", edit=lambda nb: nb["cells"].append(dict(_first_test(nb))))
    add("deletes-test-cell", edit=lambda nb: nb["cells"].remove(_first_test(nb)))

    def edit_test(nb):
        _first_test(nb)["source"] = "pass  # this test always passes"
    add("edits-test-cell", replace={"softmax": "def softmax(x, axis=-1):\n    return x"}, edit=edit_test)

    def to_markdown(nb):
        cell = _first_test(nb)
        cell["cell_type"] = "markdown"
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
    add("test-cell-to-markdown", replace={"softmax": "def softmax(x, axis=-1):\n    return x"},
        edit=to_markdown)

    def more_points(nb):
        for c in nb["cells"]:
            if c["metadata"].get("nbgrader", {}).get("grade"):
                c["metadata"]["nbgrader"]["points"] = 100
    add("changes-points", edit=more_points)

    path = course / "submitted" / "not-json" / sol / notebook_name(sol)
    path.parent.mkdir(parents=True)
    path.write_text('{"cells": [ this is not json')
    cases["not-json"] = sol
    (course / "submitted" / "missing-notebook" / sol).mkdir(parents=True)
    cases["missing-notebook"] = sol

    wrong_softmax = "def softmax(x, axis=-1):\n    return np.asarray(x) * 0.0\n"
    add("wrong-softmax-honest", replace={"softmax": wrong_softmax})  # what the cheats deserve
    add("patches-allclose", replace={"softmax": wrong_softmax + (
        "np.allclose = lambda *a, **k: True\nnp.isclose = lambda a, b, **k: np.ones_like(a, bool)\n"
        "np.array_equal = lambda *a, **k: True\n")})
    add("patches-testing", replace={"softmax": wrong_softmax + (
        "import numpy.testing\nfor _n in dir(np.testing):\n    if _n.startswith('assert'):\n"
        "        setattr(np.testing, _n, lambda *a, **k: None)\n")})
    add("replaces-np", replace={"softmax": wrong_softmax + (
        "class _Fake:\n    def __getattr__(self, name):\n        return lambda *a, **k: True\n"
        "np = _Fake()\n")})
    add("shadows-builtins", replace={"softmax": wrong_softmax + (
        "def all(*a, **k):\n    return True\ndef abs(x):\n    return 0\n")})
    add("patches-during-test", replace={"softmax": (
        "def softmax(x, axis=-1):\n    import numpy\n    numpy.allclose = lambda *a, **k: True\n"
        "    return numpy.asarray(x) * 0.0\n")})

    probe = ("import os, socket\n"
             "def _try(f):\n    try:\n        f()\n        return 'ALLOWED'\n"
             "    except Exception as e:\n        return 'denied ' + type(e).__name__\n")
    # the probes run in a solution cell (a read-only cell would be restored by nbgrader)
    answer = solution_code(sol)["project_qkv"]
    add("reads-solutions", replace={"project_qkv": probe + (
        f"print('read:', _try(lambda: open({str(course / 'source' / sol / notebook_name(sol))!r}).read()))\n"
        + answer)})
    add("writes-gradebook", replace={"project_qkv": probe + (
        f"print('write:', _try(lambda: open({str(course / 'gradebook.db')!r}, 'w').write('x')))\n"
        + answer)})
    add("opens-network", replace={"project_qkv": probe + (
        f"print('loopback:', _try(lambda: socket.create_connection(('127.0.0.1', {port}), timeout=3)))\n"
        "print('interfaces:', sorted(name for _, name in socket.if_nameindex()))\n"
        + answer)})
    return cases


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """One class, graded once: solutions, untouched releases, variants, failures."""
    course = copy_course(tmp_path_factory.mktemp("course"))
    expect = {}
    for a in assignments():
        make_submission(course, "solution", a)
        make_submission(course, "untouched", a, solved=False)
        expect[("solution", a)] = expect[("untouched", a)] = a
    for a, name, fn, src in [p.values for p in WRONG]:
        make_submission(course, f"wrong-{name}", a, replace={fn: src})
    for a, name, fn, src in [p.values for p in RIGHT]:
        make_submission(course, f"right-{name}", a, replace={fn: src})
    with socket.create_server(("127.0.0.1", 0)) as listener:
        failure_cases(course, listener.getsockname()[1])
        subs = grade.grade(course, jobs=2, cell_timeout=20, notebook_timeout=240, progress=False)
    return course, {(s.student, s.assignment): s for s in subs}


def scores(course: Path, student: str, assignment: str) -> dict[str, tuple[float, float]]:
    """grade_id -> (score, max) of every test cell, from the course gradebook."""
    with Gradebook(grade.db_url(course)) as gb:
        sub = gb.find_submission(assignment, student)
        return {g.name: (g.score, g.max_score) for nb in sub.notebooks for g in nb.grades
                if g.cell_type == "code"}


def autograded(course: Path, student: str, assignment: str):
    path = course / "autograded" / student / assignment / notebook_name(assignment)
    return nbformat.read(str(path), as_version=4)


def outputs_text(nb) -> str:
    parts = []
    for c in nb["cells"]:
        for o in c.get("outputs", []):
            parts.append(o.get("text", "") + o.get("evalue", ""))
    return "\n".join(parts)


def full_marks(sub) -> bool:
    return sub.score == sub.max_score and sub.max_score > 0


# --- the class as a whole ----------------------------------------------------------

@pytest.mark.parametrize("assignment", assignments())
def test_instructor_solution_scores_full_marks(graded, assignment):
    _, subs = graded
    sub = subs[("solution", assignment)]
    assert full_marks(sub), f"{sub.score}/{sub.max_score}: {sub.notes}"
    assert sub.notes == []


@pytest.mark.parametrize("assignment", assignments())
def test_untouched_release_scores_zero(graded, assignment):
    _, subs = graded
    sub = subs[("untouched", assignment)]
    assert sub.score == 0 and sub.max_score > 0


@pytest.mark.parametrize("assignment, name, function, source", WRONG)
def test_plausible_mistake_loses_points(graded, assignment, name, function, source):
    course, _subs = graded
    cells = scores(course, f"wrong-{name}", assignment)
    mine = {k: v for k, v in cells.items() if grade.cell_function(k) == function}
    assert mine, f"no test cell belongs to {function}"
    lost = [k for k, (s, m) in mine.items() if s < m]
    assert lost, f"the mistake '{name}' kept full marks on {sorted(mine)}"


@pytest.mark.parametrize("assignment, name, function, source", RIGHT)
def test_alternative_solution_scores_full_marks(graded, assignment, name, function, source):
    _, subs = graded
    sub = subs[(f"right-{name}", assignment)]
    assert full_marks(sub), f"{sub.score}/{sub.max_score}"


def test_grades_csv_lists_every_submission_with_its_score(graded):
    course, subs = graded
    with open(course / "reports" / "grades.csv") as f:
        rows = list(csv.DictReader(f))
    got = {(r["student_id"], r["assignment"]): float(r["raw_score"]) for r in rows}
    for key, sub in subs.items():
        assert got[key] == pytest.approx(sub.score), key


def test_feedback_written_for_every_submission_without_hidden_code(graded):
    course, subs = graded
    for (student, a) in subs:
        html = course / "feedback" / student / a / notebook_name(a).replace(".ipynb", ".html")
        assert html.exists(), html
    text = (course / "feedback" / "untouched" / FIRST / "self_attention.html").read_text()
    assert "BEGIN HIDDEN TESTS" not in text
    assert "NotImplementedError" in text


def test_feedback_shows_the_failing_property_message(graded):
    course, _subs = graded
    text = (course / "feedback" / "wrong-softmax_without_max_shift" / FIRST
            / "self_attention.html").read_text()
    assert "AssertionError" in text


def test_item_analysis_counts_students_who_lost_points(graded):
    course, subs = graded
    with open(course / "reports" / "items.csv") as f:
        rows = list(csv.DictReader(f))
    assert (course / "reports" / "items.png").stat().st_size > 1000
    n = sum(1 for (_, a) in subs if a == FIRST)
    mine = [r for r in rows if r["assignment"] == FIRST]
    assert {r["function"] for r in mine if not r["cell"]} == {
        "project_qkv", "attention_scores", "softmax", "self_attention"}
    for r in mine:
        assert int(r["students"]) == n
        assert 1 <= int(r["lost_points"]) < n  # 'untouched' loses, 'solution' does not
    softmax = next(r for r in mine if r["function"] == "softmax" and not r["cell"])
    wrong_softmax = [v for v in load_variants(FIRST).WRONG if v[1] == "softmax"]
    assert int(softmax["lost_points"]) >= len(wrong_softmax) + 1  # + the untouched release


# --- one test per way a submission can break -----------------------------------------

def note(subs, student, a=FIRST):
    return "; ".join(subs[(student, a)].notes)


def test_infinite_loop_is_stopped_and_graded(graded):
    _, subs = graded
    assert subs[("loops-forever", FIRST)].score < subs[("solution", FIRST)].score
    assert "CellTimeoutError" in note(subs, "loops-forever")


def test_dying_kernel_is_graded_with_a_reason(graded):
    course, subs = graded
    assert "DeadKernelError" in note(subs, "kernel-dies")
    cells = scores(course, "kernel-dies", FIRST)
    # the kernel dies in softmax: what ran before keeps its points, nothing after scores
    assert cells["test_project_qkv"][0] == cells["test_project_qkv"][1]
    for cell in ("test_softmax", "test_softmax_hidden", "test_self_attention_hidden"):
        assert cells[cell][0] == 0, cell


def test_memory_bomb_is_stopped_by_the_memory_limit(graded):
    _, subs = graded
    assert subs[("memory-bomb", FIRST)].score < subs[("solution", FIRST)].score
    assert "MemoryError" in note(subs, "memory-bomb")


def test_output_flood_is_truncated(graded):
    course, subs = graded
    assert "output" in note(subs, "floods-output")
    size = (course / "autograded" / "floods-output" / FIRST / "self_attention.ipynb").stat().st_size
    assert size < 5_000_000


def test_duplicated_test_cell_is_graded_once(graded):
    _, subs = graded
    assert full_marks(subs[("duplicates-test-cell", FIRST)])
    assert "more than once" in note(subs, "duplicates-test-cell")


def test_deleted_test_cell_is_put_back_and_graded(graded):
    course, subs = graded
    assert full_marks(subs[("deletes-test-cell", FIRST)])
    assert "deleted" in note(subs, "deletes-test-cell")
    with Gradebook(grade.db_url(course)) as gb:
        sub = gb.find_submission(FIRST, "deletes-test-cell")
        assert sub.needs_manual_grade is False


def test_edited_test_cell_is_restored(graded):
    _, subs = graded
    assert subs[("edits-test-cell", FIRST)].score < subs[("solution", FIRST)].score
    assert "edited" in note(subs, "edits-test-cell")


def test_test_cell_turned_into_markdown_is_restored(graded):
    _course, subs = graded
    assert subs[("test-cell-to-markdown", FIRST)].score < subs[("solution", FIRST)].score
    assert "cell_type changed" in note(subs, "test-cell-to-markdown")


def test_changed_points_are_restored(graded):
    _, subs = graded
    sub, ref = subs[("changes-points", FIRST)], subs[("solution", FIRST)]
    assert (sub.score, sub.max_score) == (ref.score, ref.max_score)
    assert "points changed" in note(subs, "changes-points")


def test_invalid_json_is_graded_as_empty(graded):
    _, subs = graded
    assert subs[("not-json", FIRST)].score == 0
    assert "not a valid notebook" in note(subs, "not-json")


def test_missing_notebook_is_graded_as_empty(graded):
    _, subs = graded
    assert subs[("missing-notebook", FIRST)].score == 0
    assert "not submitted" in note(subs, "missing-notebook")


@pytest.mark.parametrize("student", ["patches-allclose", "patches-testing", "replaces-np",
                                     "shadows-builtins", "patches-during-test"])
def test_tampering_with_numpy_does_not_earn_points(graded, student):
    course, _subs = graded
    cells = scores(course, student, FIRST)
    softmax_cells = {k: v for k, v in cells.items() if grade.cell_function(k) == "softmax"}
    assert all(s == 0 for s, _ in softmax_cells.values()), softmax_cells
    # cell by cell, no more than the same wrong softmax submitted without the tampering
    honest = scores(course, "wrong-softmax-honest", FIRST)
    assert all(cells[k][0] <= honest[k][0] for k in honest), (cells, honest)


def test_sandbox_denies_reading_the_solutions(graded):
    course, subs = graded
    text = outputs_text(autograded(course, "reads-solutions", FIRST))
    assert "read: denied" in text
    assert full_marks(subs[("reads-solutions", FIRST)])  # and the probe itself did no harm


def test_sandbox_denies_writing_the_gradebook(graded):
    course, _subs = graded
    text = outputs_text(autograded(course, "writes-gradebook", FIRST))
    assert "write: denied" in text
    sqlite3.connect(course / "gradebook.db").execute("select count(*) from submitted_assignment")


def test_sandbox_denies_the_network(graded):
    course, _ = graded
    text = outputs_text(autograded(course, "opens-network", FIRST))
    assert "loopback: denied" in text  # the grader's machine listens there
    assert "interfaces: ['lo']" in text  # no way out at all


def test_regrading_keeps_manual_grades_and_comments(tmp_path):
    course = copy_course(tmp_path)
    make_submission(course, "someone", FIRST, solved=False)
    grade.grade(course, [FIRST], jobs=1, progress=False, feedback=False)
    with Gradebook(grade.db_url(course)) as gb:
        g = gb.find_grade("test_softmax", "self_attention", FIRST, "someone")
        g.manual_score = 0.5
        c = gb.find_comment("softmax", "self_attention", FIRST, "someone")
        c.manual_comment = "see me after class"
        gb.db.commit()
    again = grade.grade(course, [FIRST], jobs=1, progress=False, feedback=False)
    assert again[0].score == 0.5  # the manual grade, over an unchanged auto grade of 0
    with Gradebook(grade.db_url(course)) as gb:
        c = gb.find_comment("softmax", "self_attention", FIRST, "someone")
        assert c.manual_comment == "see me after class"


def test_notebook_time_limit_stops_a_slow_notebook(tmp_path):
    course = copy_course(tmp_path)
    make_submission(course, "fine", FIRST)

    def slow(nb):
        sleeper = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                   "source": "import time\ntime.sleep(3)"}
        nb["cells"][2:2] = [dict(sleeper) for _ in range(4)]
    make_submission(course, "slow", FIRST, edit=slow)
    subs = {s.student: s for s in grade.grade(course, [FIRST], jobs=2, cell_timeout=10,
                                               notebook_timeout=8, progress=False, feedback=False)}
    assert full_marks(subs["fine"])
    assert subs["slow"].score == 0
    assert "NotebookTimeoutError" in "; ".join(subs["slow"].notes)


def test_grading_refuses_without_a_sandbox(monkeypatch, capsys, tmp_path):
    course = copy_course(tmp_path)
    make_submission(course, "someone", FIRST)
    monkeypatch.setattr(grade, "sandbox_problem", lambda: "bubblewrap is missing")
    args = type("Args", (), {"course": str(course), "assignment": [], "student": [], "jobs": 1,
                                 "unsandboxed": False, "cell_timeout": None, "notebook_timeout": 60,
                                 "no_feedback": True})
    assert grade.main(args) == 3
    assert "--unsandboxed" in capsys.readouterr().err
    assert not (course / "gradebook.db").exists()
