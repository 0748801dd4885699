"""Submissions built from source/: the instructor's answers in the released notebook,
optionally with some answers replaced or the notebook edited. Used by the tests and the
benchmark to simulate students."""
import json
import re
import shutil
from pathlib import Path

from . import ROOT

_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)


def notebook_name(assignment: str) -> str:
    """source/01_self_attention/self_attention.ipynb -> 'self_attention.ipynb'."""
    (path,) = (ROOT / "source" / assignment).glob("*.ipynb")
    return path.name


def grade_id(cell) -> str | None:
    return cell["metadata"].get("nbgrader", {}).get("grade_id")


def solution_code(assignment: str) -> dict[str, str]:
    """The instructor's answer of every solution cell, markers removed."""
    nb = json.loads((ROOT / "source" / assignment / notebook_name(assignment)).read_text())
    return {grade_id(c): _MARKER.sub("", "".join(c["source"])) for c in nb["cells"]
            if c["metadata"].get("nbgrader", {}).get("solution")}


def make_submission(course: Path, student: str, assignment: str, replace=None,
                    solved: bool = True, edit=None) -> Path:
    """Write submitted/<student>/<assignment>/<nb>.ipynb: the released notebook with the
    solution cells filled in (the instructor's code unless `replace` gives other code);
    `edit(nb)` may then change anything (to simulate tampering)."""
    name = notebook_name(assignment)
    nb = json.loads((ROOT / "release" / assignment / name).read_text())
    answers = solution_code(assignment) if solved else {}
    answers.update(replace or {})
    for cell in nb["cells"]:
        if grade_id(cell) in answers and cell["metadata"]["nbgrader"].get("solution"):
            cell["source"] = answers[grade_id(cell)]
    if edit:
        edit(nb)
    dest = course / "submitted" / student / assignment / name
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(nb))
    return dest


def copy_course(dest: Path) -> Path:
    """A scratch course: source/, release/, the grader (tools/, which nbgrader_config.py
    imports), the page templates and the nbgrader configuration."""
    for name in ("source", "release", "tools", "nbgrader_templates"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "nbgrader_config.py", dest / "nbgrader_config.py")
    return dest
