"""release/ and solutions/ are exactly what the commands regenerate from source/, and
every notebook keeps the exercise contract."""
import json

import pytest

from tools import ROOT, assignments, build
from tools.notebooks import comparable, execute, read

from .conftest import grade_id, notebook_name

# EXERCISE_CONTRACT.md: the graded functions of every assignment. Never rename them.
CONTRACT = {
    "01_self_attention": ["project_qkv", "attention_scores", "softmax", "self_attention"],
    "02_dot_product_variance": ["sample_dot_products", "predicted_mean_and_variance",
                                "scaled_scores", "self_dot_moments"],
    "03_softmax_saturation": ["softmax", "softmax_jacobian", "entropy", "saturation_stats"],
    "04_attention": ["scaled_dot_product_attention", "causal_mask", "padding_mask",
                     "split_heads", "merge_heads", "multi_head_attention"],
    "05_gradients_and_memory": ["numerical_gradient", "attention_backward",
                                "online_softmax_attention"],
    "06_training": ["positional_encoding", "cross_entropy", "adam_step", "rnn_forward",
                    "rnn_backward"],
}


def test_every_lesson_has_a_lecture_and_an_exercise():
    lectures = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert assignments() == lectures
    for a in assignments():
        assert a in CONTRACT, f"{a} is not in the exercise contract"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    out = tmp_path_factory.mktemp("regenerated")
    build.release(ROOT, None, out / "release")
    build.solutions(ROOT, None, out / "solutions")
    return out


@pytest.mark.parametrize("kind", ["release", "solutions"])
@pytest.mark.parametrize("assignment", assignments())
def test_committed_notebooks_match_what_the_command_generates(regenerated, kind, assignment):
    name = notebook_name(assignment)
    committed = ROOT / kind / assignment / name
    fresh = regenerated / kind / assignment / name
    assert committed.exists(), f"{committed} is missing: run `python3 course.py {kind}`"
    assert comparable(read(committed)) == comparable(read(fresh)), (
        f"{committed.relative_to(ROOT)} is out of date: run `python3 course.py {kind} {assignment}`")
    extra = {p.name for p in (ROOT / kind / assignment).iterdir()} - {name}
    assert not extra, f"unexpected files in {kind}/{assignment}: {extra}"


@pytest.mark.parametrize("path", sorted((ROOT / "source").glob("*/*.ipynb")), ids=lambda p: p.parent.name)
def test_source_notebooks_carry_no_outputs(path):
    nb = json.loads(path.read_text())
    dirty = [grade_id(c) or i for i, c in enumerate(nb["cells"])
             if c["cell_type"] == "code" and (c["outputs"] or c["execution_count"])]
    assert not dirty, f"cells with outputs in {path.name}: {dirty} (clear them before committing)"


@pytest.mark.parametrize("assignment", assignments())
def test_contract_functions_each_have_their_own_solution_cell(assignment):
    nb = json.loads((ROOT / "release" / assignment / notebook_name(assignment)).read_text())
    cells = {grade_id(c): "".join(c["source"]) for c in nb["cells"]
             if c["metadata"].get("nbgrader", {}).get("solution")}
    for fn in CONTRACT[assignment]:
        assert fn in cells, f"no solution cell with grade_id '{fn}'"
        src = cells[fn]
        assert src.lstrip().startswith(f"def {fn}("), f"the cell '{fn}' must start with its def line"
        assert '"""' in src, f"the release stub of '{fn}' lost its docstring"
        assert src.rstrip().endswith("# YOUR CODE HERE\n    raise NotImplementedError()"), (
            f"the release stub of '{fn}' must end in `raise NotImplementedError()`")
        others = [o for o in CONTRACT[assignment] if o != fn and f"def {o}(" in src]
        assert not others, f"'{fn}' shares its cell with {others}"
        tests = [g for g in cells] + [grade_id(c) for c in nb["cells"]]
        assert f"test_{fn}" in tests, f"no visible test cell 'test_{fn}'"
        assert f"test_{fn}_hidden" in tests, f"no hidden test cell 'test_{fn}_hidden'"


@pytest.mark.parametrize("assignment", assignments())
def test_release_stubs_fail_every_visible_test(assignment, tmp_path):
    """(The hidden tests on the release are graded in test_grading: it scores 0.)"""
    nb = execute(read(ROOT / "release" / assignment / notebook_name(assignment)), tmp_path,
                 allow_errors=True)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and "_hidden" not in meta["grade_id"]:  # hidden: empty in release
            errors = [o for o in cell.outputs if o.output_type == "error"]
            assert errors, f"test cell {grade_id(cell)} passes on the empty release"
    stubs = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    for cell in stubs:
        assert "raise NotImplementedError()" in cell.source, grade_id(cell)
    assert any("NotImplementedError" in o.get("ename", "") for c in nb.cells for o in c.get("outputs", []))
