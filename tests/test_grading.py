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
from tools.jail import sandbox_problem

from .conftest import (
    copy_course,
    grade_id,
    load_variants,
    make_submission,
    notebook_name,
    solution_code,
)

FIRST = "01_self_attention"
SANDBOX_PROBLEM = sandbox_problem()
needs_sandbox = pytest.mark.skipif(SANDBOX_PROBLEM is not None,
                                   reason=f"needs the bubblewrap sandbox: {SANDBOX_PROBLEM}")
WRONG_SOFTMAX = "def softmax(x, axis=-1):\n    return np.asarray(x) * 0.0\n"


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

    wrong_softmax = WRONG_SOFTMAX
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
    cheats(course, add)
    return cases


def cheats(course: Path, add) -> None:
    """Students who know the grader: each trick comes on top of the wrong softmax, so it
    must score what the wrong softmax scores without it (wrong-softmax-honest)."""
    sol = FIRST
    wrong = WRONG_SOFTMAX
    # inside the kernel: rebind what tests use, hook cells, patch before every cell
    add("rebinds-test-names", replace={"softmax": wrong + (
        "import builtins, sys\n"
        "def softmax_helper():\n    pass\n"
        "_all_true = lambda *a, **k: True\n"
        "for _m in [m for k, m in list(sys.modules.items()) if k.startswith('numpy') and m]:\n"
        "    for _n in ('allclose', 'array_equal', 'isclose'):\n"
        "        if hasattr(_m, _n):\n            setattr(_m, _n, _all_true)\n"
        "builtins.AssertionError = type('AssertionError', (Exception,), {})\n"
        "builtins.all = _all_true\n")})
    add("hooks-every-cell", replace={"softmax": wrong + (
        "import numpy, sys\n"
        "def _patch(*a, **k):\n    numpy.allclose = lambda *a, **k: True\n"
        "get_ipython().events.register('pre_run_cell', _patch)\n"
        "get_ipython().events.register('post_run_cell', _patch)\n"
        "sys.settrace(lambda *a: _patch())\n")})
    add("searches-references", replace={"softmax": (
        "def softmax(x, axis=-1):\n"
        "    import gc, sys\n"
        "    refs = [o for o in gc.get_objects() if callable(o) and getattr(o, '__module__', '') == '__main__'\n"
        "            and getattr(o, '__name__', '').startswith('_ref')]\n"
        "    frame, names = sys._getframe(), []\n"
        "    while frame:\n        names += list(frame.f_globals)\n        frame = frame.f_back\n"
        "    if refs:\n        return refs[0](x)\n"
        "    print('references found:', len(refs), 'test names seen:', [n for n in names if n.startswith('_ref')])\n"
        "    return np.asarray(x) * 0.0\n")})
    add("fakes-a-result", replace={"softmax": wrong.replace("    return", (
        "    from IPython.display import display\n"
        "    display({'text/plain': '1.0'}, raw=True)\n"
        "    get_ipython().displayhook.write_output_prompt()\n"
        "    import sys\n    print('1.0')\n"
        "    return"))})
    # the agent that answers the calls is the student's too: one that ignores "end"
    add("ignores-end", replace={"softmax": wrong + (
        "import json, sys, time\n"
        "_srv = sys.modules['_course_server']\n"
        "def _stubborn_loop():\n"
        "    message = {'op': 'ready'}\n"
        "    while True:\n"
        "        request = json.loads(_srv._ask(message))\n"
        "        if request.get('op') == 'end':\n"
        "            try:\n                time.sleep(15)\n"
        "            except KeyboardInterrupt:\n                pass\n"
        "            message = {'op': 'ready'}\n"
        "            continue\n"
        "        message = {'op': 'result', 'seq': request.get('seq'), 'reply': _srv._handle(request)}\n"
        "_srv.loop = _stubborn_loop\n")})
    # the channel the calls travel on ends in the kernel too: a frame that claims a terabyte,
    # and a channel closed before the tests
    add("breaks-the-channel", replace={"softmax": wrong.replace("    return", (
        "    import struct, sys\n"
        "    sys.modules['_course_server']._channel.sendall(struct.pack('>Q', 2**40))\n"
        "    return"))})
    add("closes-the-channel", replace={"softmax": wrong + (
        "import sys\nsys.modules['_course_server']._channel.close()\n")})
    # a reference called back for the kernel, with arguments that broadcast to 4.6 GB
    add("reference-bomb", replace={"self_attention": solution_code(sol)["self_attention"].replace(
        "def self_attention(X, W_q, W_k, W_v):", "def _honest_self_attention(X, W_q, W_k, W_v):") + (
        "\ndef self_attention(X, W_q, W_k, W_v):\n"
        "    try:\n"
        "        attention_scores(np.zeros((24000, 1, 1, 1)), np.zeros((1, 24000, 1, 1)))\n"
        "        print('bomb: ok')\n"
        "    except Exception as e:\n"
        "        print('bomb:', type(e).__name__)\n"
        "    return _honest_self_attention(X, W_q, W_k, W_v)\n")})
    # the kernel's memory of what it ran: the hidden tests must not be in it
    add("prints-history", replace={"softmax": solution_code(sol)["softmax"] + (
        "\nimport gc\n"
        "def _dump():\n"
        "    ip = get_ipython()\n"
        "    print('HISTORY', ip.user_ns.get('In'), ip.history_manager.input_hist_raw)\n"
        "    print('STRINGS', [o for o in gc.get_objects() if isinstance(o, str) and 'HIDDEN' in o][:20])\n"
        "_inner = softmax\n"
        "def softmax(x, axis=-1):\n    _dump()\n    return _inner(x, axis)\n")})
    # files next to the notebook
    path = make_submission(course, "files-next-to-notebook", sol, replace={"softmax": wrong})
    folder = path.parent
    (folder / "numpy.py").write_text("def allclose(*a, **k):\n    return True\n")
    (folder / "ipython_kernel_config.py").write_text("c.InteractiveShellApp.exec_lines = ['import numpy; "
                                                      "numpy.allclose = lambda *a, **k: True']\n")
    (folder / "sitecustomize.py").write_text("import numpy\nnumpy.allclose = lambda *a, **k: True\n")
    startup = folder / ".ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-cheat.py").write_text("import numpy\nnumpy.allclose = lambda *a, **k: True\n")
    # links the grader could follow
    for student, target in [("links-to-solutions", course / "source" / sol / notebook_name(sol)),
                            ("links-to-gradebook", course / "gradebook.db")]:
        nb = course / "submitted" / student / sol / notebook_name(sol)
        nb.parent.mkdir(parents=True)
        nb.symlink_to(target)
    (course / "submitted" / "links-folder").mkdir()
    (course / "submitted" / "links-folder" / sol).symlink_to(course / "submitted" / "solution" / sol)
    path = make_submission(course, "links-beside-notebook", sol)
    (path.parent / "data.csv").symlink_to("/etc/passwd")
    # the kernel plants a link where its notebook would be, and writes everywhere it can
    add("plants-links", replace={"project_qkv": (
        "import os\n"
        "for _p in ['self_attention.ipynb', '/tmp/self_attention.ipynb']:\n"
        "    try:\n        os.symlink({gb!r}, _p)\n    except OSError:\n        pass\n"
        "print('cwd holds', os.listdir('.'))\n").format(gb=str(course / "gradebook.db"))
        + solution_code(sol)["project_qkv"]})
    # resources of the sandbox: processes and /tmp
    add("fork-bomb", replace={"project_qkv": (
        "import os, time\n"
        "_kids = []\n"
        "try:\n"
        "    for _ in range(400):\n"
        "        _pid = os.fork()\n"
        "        if _pid == 0:\n            time.sleep(20)\n            os._exit(0)\n"
        "        _kids.append(_pid)\n"
        "    print('forks: all', len(_kids))\n"
        "except OSError as _e:\n    print('forks: stopped at', len(_kids), type(_e).__name__)\n"
        + solution_code(sol)["project_qkv"])})
    add("fills-tmp", replace={"project_qkv": (
        "_written = 0\n"
        "try:\n"
        "    with open('/tmp/filler', 'wb') as _f:\n"
        "        for _ in range(1024):\n            _f.write(b'x' * 2**20)\n            _written += 1\n"
        "    print('tmp: wrote all', _written, 'MiB')\n"
        "except OSError as _e:\n    print('tmp: stopped at', _written, 'MiB', type(_e).__name__)\n"
        + solution_code(sol)["project_qkv"])})


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
        if SANDBOX_PROBLEM is None:  # hostile code only where it is jailed
            failure_cases(course, listener.getsockname()[1])
        subs = grade.grade(course, jobs=2, cell_timeout=20, notebook_timeout=240, progress=False,
                           sandbox=SANDBOX_PROBLEM is None)
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


@needs_sandbox
def test_infinite_loop_is_stopped_and_graded(graded):
    _, subs = graded
    assert subs[("loops-forever", FIRST)].score < subs[("solution", FIRST)].score
    assert "CellTimeoutError" in note(subs, "loops-forever")


@needs_sandbox
def test_dying_kernel_is_graded_with_a_reason(graded):
    course, subs = graded
    assert "DeadKernelError" in note(subs, "kernel-dies")
    cells = scores(course, "kernel-dies", FIRST)
    # the kernel dies in softmax: what ran before keeps its points, nothing after scores
    assert cells["test_project_qkv"][0] == cells["test_project_qkv"][1]
    for cell in ("test_softmax", "test_softmax_hidden", "test_self_attention_hidden"):
        assert cells[cell][0] == 0, cell


@needs_sandbox
def test_memory_bomb_is_stopped_by_the_memory_limit(graded):
    _, subs = graded
    assert subs[("memory-bomb", FIRST)].score < subs[("solution", FIRST)].score
    assert "MemoryError" in note(subs, "memory-bomb")


@needs_sandbox
def test_output_flood_is_truncated(graded):
    course, subs = graded
    assert "output" in note(subs, "floods-output")
    size = (course / "autograded" / "floods-output" / FIRST / "self_attention.ipynb").stat().st_size
    assert size < 5_000_000


@needs_sandbox
def test_duplicated_test_cell_is_graded_once(graded):
    _, subs = graded
    assert full_marks(subs[("duplicates-test-cell", FIRST)])
    assert "more than once" in note(subs, "duplicates-test-cell")


@needs_sandbox
def test_deleted_test_cell_is_put_back_and_graded(graded):
    course, subs = graded
    assert full_marks(subs[("deletes-test-cell", FIRST)])
    assert "deleted" in note(subs, "deletes-test-cell")
    with Gradebook(grade.db_url(course)) as gb:
        sub = gb.find_submission(FIRST, "deletes-test-cell")
        assert sub.needs_manual_grade is False


@needs_sandbox
def test_edited_test_cell_is_restored(graded):
    _, subs = graded
    assert subs[("edits-test-cell", FIRST)].score < subs[("solution", FIRST)].score
    assert "edited" in note(subs, "edits-test-cell")


@needs_sandbox
def test_test_cell_turned_into_markdown_is_restored(graded):
    _course, subs = graded
    assert subs[("test-cell-to-markdown", FIRST)].score < subs[("solution", FIRST)].score
    assert "cell_type changed" in note(subs, "test-cell-to-markdown")


@needs_sandbox
def test_changed_points_are_restored(graded):
    _, subs = graded
    sub, ref = subs[("changes-points", FIRST)], subs[("solution", FIRST)]
    assert (sub.score, sub.max_score) == (ref.score, ref.max_score)
    assert "points changed" in note(subs, "changes-points")


@needs_sandbox
def test_invalid_json_is_graded_as_empty(graded):
    _, subs = graded
    assert subs[("not-json", FIRST)].score == 0
    assert "not a valid notebook" in note(subs, "not-json")


@needs_sandbox
def test_missing_notebook_is_graded_as_empty(graded):
    _, subs = graded
    assert subs[("missing-notebook", FIRST)].score == 0
    assert "not submitted" in note(subs, "missing-notebook")


@needs_sandbox
@pytest.mark.parametrize("student", ["patches-allclose", "patches-testing", "replaces-np",
                                     "shadows-builtins", "patches-during-test", "rebinds-test-names",
                                     "hooks-every-cell", "searches-references", "fakes-a-result",
                                     "files-next-to-notebook", "ignores-end", "breaks-the-channel",
                                     "closes-the-channel"])
def test_a_trick_earns_no_more_than_the_same_wrong_answer(graded, student):
    course, _subs = graded
    cells = scores(course, student, FIRST)
    softmax_cells = {k: v for k, v in cells.items() if grade.cell_function(k) == "softmax"}
    assert all(s == 0 for s, _ in softmax_cells.values()), softmax_cells
    # cell by cell, no more than the same wrong softmax submitted without the tampering
    honest = scores(course, "wrong-softmax-honest", FIRST)
    assert all(cells[k][0] <= honest[k][0] for k in honest), (cells, honest)


@needs_sandbox
def test_sandbox_denies_reading_the_solutions(graded):
    course, subs = graded
    text = outputs_text(autograded(course, "reads-solutions", FIRST))
    assert "read: denied" in text
    assert full_marks(subs[("reads-solutions", FIRST)])  # and the probe itself did no harm


@needs_sandbox
def test_sandbox_denies_writing_the_gradebook(graded):
    course, _subs = graded
    text = outputs_text(autograded(course, "writes-gradebook", FIRST))
    assert "write: denied" in text
    sqlite3.connect(course / "gradebook.db").execute("select count(*) from submitted_assignment")


@needs_sandbox
def test_sandbox_denies_the_network(graded):
    course, _ = graded
    text = outputs_text(autograded(course, "opens-network", FIRST))
    assert "loopback: denied" in text  # the grader's machine listens there
    assert "interfaces: ['lo']" in text  # no way out at all


def test_regrading_keeps_manual_grades_and_comments(tmp_path):
    course = copy_course(tmp_path)
    make_submission(course, "someone", FIRST, solved=False)
    grade.grade(course, [FIRST], jobs=1, progress=False, feedback=False, sandbox=SANDBOX_PROBLEM is None)
    with Gradebook(grade.db_url(course)) as gb:
        g = gb.find_grade("test_softmax", "self_attention", FIRST, "someone")
        g.manual_score = 0.5
        c = gb.find_comment("softmax", "self_attention", FIRST, "someone")
        c.manual_comment = "see me after class"
        gb.db.commit()
    again = grade.grade(course, [FIRST], jobs=1, progress=False, feedback=False, sandbox=SANDBOX_PROBLEM is None)
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
                                               notebook_timeout=8, progress=False, feedback=False,
                                               sandbox=SANDBOX_PROBLEM is None)}
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


# --- what a student who has read the grader tries (issue: grading a student cannot talk out of failing)

@needs_sandbox
def test_references_and_test_names_are_not_in_the_kernel(graded):
    course, _ = graded
    text = outputs_text(autograded(course, "searches-references", FIRST))
    assert "references found: 0 test names seen: []" in text


@needs_sandbox
def test_the_kernel_never_holds_the_hidden_tests(graded):
    course, subs = graded
    assert full_marks(subs[("prints-history", FIRST)])
    hidden = "_ref_scores"  # a name only the hidden tests use
    assert hidden in "".join(_cell(json_source(course), "test_attention_scores_hidden")["source"])
    text = outputs_text(autograded(course, "prints-history", FIRST))
    assert "HISTORY" in text and hidden not in text
    html = (course / "feedback" / "prints-history" / FIRST / "self_attention.html").read_text()
    assert "HISTORY" in html and hidden not in html and "BEGIN HIDDEN" not in html


def json_source(course: Path) -> dict:
    import json
    return json.loads((course / "source" / FIRST / notebook_name(FIRST)).read_text())


@needs_sandbox
@pytest.mark.parametrize("student, why", [("links-to-solutions", "was a link"), ("links-to-gradebook", "was a link"),
                                          ("links-folder", "submission folder is a link")])
def test_a_link_is_not_followed(graded, student, why):
    course, subs = graded
    assert subs[(student, FIRST)].score == 0
    assert why in note(subs, student)
    for path in [*(course / "autograded").glob(f"{student}/**/*"), *(course / "feedback").glob(f"{student}/**/*")]:
        if path.is_file():
            assert "BEGIN SOLUTION" not in path.read_text(errors="replace")
            assert "SQLite format" not in path.read_text(errors="replace")


@needs_sandbox
def test_a_link_beside_the_notebook_is_dropped_with_a_note(graded):
    course, subs = graded
    assert full_marks(subs[("links-beside-notebook", FIRST)])
    assert "link(s) in the submission folder were dropped" in note(subs, "links-beside-notebook")
    assert not list((course / "autograded" / "links-beside-notebook").rglob("data.csv"))


@needs_sandbox
def test_links_planted_by_the_kernel_reach_nothing(graded):
    course, subs = graded
    assert full_marks(subs[("plants-links", FIRST)])
    text = outputs_text(autograded(course, "plants-links", FIRST))
    assert "cwd holds" in text
    sqlite3.connect(course / "gradebook.db").execute("select count(*) from submitted_assignment")
    assert full_marks(subs[("solution", FIRST)])


@needs_sandbox
def test_a_fork_bomb_is_capped(graded):
    course, subs = graded
    text = outputs_text(autograded(course, "fork-bomb", FIRST))
    assert "forks: stopped at" in text, text[-500:]
    assert int(text.split("forks: stopped at ")[1].split()[0]) < 64
    assert full_marks(subs[("solution", FIRST)])  # the cap is this sandbox's alone


@needs_sandbox
def test_filling_tmp_stops_at_its_size(graded):
    course, subs = graded
    text = outputs_text(autograded(course, "fills-tmp", FIRST))
    assert "tmp: stopped at" in text, text[-500:]
    assert int(text.split("tmp: stopped at ")[1].split()[0]) <= 64
    assert full_marks(subs[("fills-tmp", FIRST)])


@needs_sandbox
def test_an_agent_that_ignores_the_end_of_a_test_is_killed_not_the_grader(graded):
    _, subs = graded
    assert "DeadKernelError" in note(subs, "ignores-end")
    assert "worker" not in note(subs, "ignores-end")  # the grading worker did not crash


@needs_sandbox
def test_a_kernel_that_breaks_the_call_channel_is_stopped_not_the_grader(graded):
    _, subs = graded
    assert f"sent the grader a frame of {2**40} bytes" in note(subs, "breaks-the-channel")
    assert "did not answer the grader" in note(subs, "closes-the-channel")
    for student in ("breaks-the-channel", "closes-the-channel"):
        assert "worker" not in note(subs, student)  # the grading worker did not crash


@needs_sandbox
def test_a_reference_called_back_with_huge_arguments_fails_in_the_grader(graded):
    course, subs = graded
    assert "bomb: MemoryError" in outputs_text(autograded(course, "reference-bomb", FIRST))
    assert subs[("reference-bomb", FIRST)].score == subs[("solution", FIRST)].score  # the answer is right
    assert "worker" not in note(subs, "reference-bomb")


@needs_sandbox
def test_the_rest_of_the_class_is_graded_as_without_the_cheats(graded, tmp_path):
    course, _ = graded
    alone = copy_course(tmp_path)
    for student, kw in [("solution", {}), ("wrong-softmax-honest", {"replace": {"softmax": WRONG_SOFTMAX}})]:
        make_submission(alone, student, FIRST, **kw)
    grade.grade(alone, [FIRST], jobs=2, progress=False, feedback=False)
    for student in ("solution", "wrong-softmax-honest"):
        assert scores(alone, student, FIRST) == scores(course, student, FIRST), student
