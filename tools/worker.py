"""A grading worker: a long-lived process that takes jobs as JSON lines on stdin and
answers each with one JSON line. `tools.grade` runs one per core and kills and replaces
a worker whose job overruns its time limit, so no submission can stop the class.

Jobs:
- {"kind": "execute", ...}: collect one submission (tools/collect.py: the release's
  notebooks, as regular files), check and repair it, then run it through nbgrader's
  Autograde in a private scratch course: its sanitising preprocessors, then the
  course's autograde preprocessors from nbgrader_config.py (tools/runner.py's
  TrustedExecute: student cells in the jailed kernel, tests here; tools/sanitize.py).
  Grades are not saved here.
- {"kind": "feedback", ...}: nbgrader's GenerateFeedback for one student, with the
  preprocessors of nbgrader_config.py (hidden tests removed, outputs sanitised).
"""
import json
import logging
import os
import re
import resource
import shutil
import sys
import traceback
import warnings
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
warnings.filterwarnings("ignore", category=DeprecationWarning)

import nbformat
from nbgrader.converters import Autograde, GenerateFeedback
from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, SaveAutoGrades
from sqlalchemy.exc import SAWarning

from . import _patch_nbgrader
from .build import course_config, coursedir
from .collect import collect

_patch_nbgrader()
# what the grading process does again with the executed notebooks (tools/grade.py's
# save_grades), so not here in the scratch course
_SAVED_LATER = (SaveAutoGrades, AssignLatePenalties, CheckCellMetadata)

warnings.filterwarnings("ignore", category=SAWarning)


class _Notes(logging.Handler):
    """Collects nbgrader's warnings about a submission: they are the reasons we report."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.notes = []

    def emit(self, record):
        self.notes.append(record.getMessage())


def _grade_ids(nb):
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade_id")]


def check_notebook(path: Path, release_nb: Path) -> list[str]:
    """Make a submitted notebook safe to hand to nbgrader; return what was wrong.

    An unreadable file is replaced by the released (empty) notebook, which scores 0.
    A cell id that occurs twice keeps its first cell; the copies lose their nbgrader
    metadata (nbgrader would otherwise stop the whole batch). Edited read-only cells
    are noted here (nbgrader restores them from the gradebook)."""
    notes = []
    try:
        nb = nbformat.read(str(path), as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001 - not JSON, not a notebook, wrong schema ...
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        notes.append(f"{path.name} is not a valid notebook ({first}); graded as empty")
        shutil.copy(release_nb, path)
        return notes
    released = {g: c for c in nbformat.read(str(release_nb), as_version=4).cells
                if (g := c.metadata.get("nbgrader", {}).get("grade_id"))}
    seen = set()
    changed = False
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id")
        if not meta:
            continue
        if gid not in released:
            notes.append("a cell with nbgrader metadata the release does not have was graded as an ordinary cell")
            del cell.metadata["nbgrader"]
            changed = True
            continue
        if gid in seen:
            notes.append(f"cell '{gid}' occurs more than once; only the first one is graded")
            del cell.metadata["nbgrader"]
            changed = True
        seen.add(gid)
        original = released.get(gid)
        if (original is not None and original.metadata["nbgrader"].get("locked")
                and cell.cell_type == original.cell_type and cell.source != original.source):
            notes.append(f"cell {gid} was edited; the original was restored and graded")
    if changed:
        nbformat.write(nb, str(path))
    return notes


def execute(job: dict) -> dict:
    root, work = Path(job["root"]), Path(job["work"])
    student, assignment = job["student"], job["assignment"]
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(Path(job["template"]) / "source" / assignment, work / "source" / assignment)
    shutil.copy(Path(job["template"]) / "gradebook.db", work / "gradebook.db")
    sub = work / "submitted" / student / assignment
    released = sorted((Path(job["template"]) / "release" / assignment).glob("*.ipynb"))
    notes = collect(root, student, assignment, [p.name for p in released], sub)
    for release_nb in released:
        nb_path = sub / release_nb.name
        if nb_path.exists():
            notes += check_notebook(nb_path, release_nb)
        else:
            notes.append(f"{release_nb.name} was not submitted; graded as empty")
            shutil.copy(release_nb, nb_path)

    config = course_config(root)
    cd = coursedir(work, config, db_url=f"sqlite:///{work / 'gradebook.db'}")
    cd.student_id, cd.assignment_id = student, assignment
    config.Autograde.create_student = True
    config.BaseConverter.force = True
    config.OverwriteCells.add_missing_cells = True
    config.TrustedExecute.timeout = job["cell_timeout"]
    config.TrustedExecute.notebook_timeout = job["notebook_timeout"]
    config.TrustedExecute.sandbox = job["sandbox"]
    config.Autograde.autograde_preprocessors = [p for p in config.Autograde.autograde_preprocessors
                                                if p not in _SAVED_LATER]
    converter = Autograde(coursedir=cd, config=config)
    handler = _Notes()
    converter.log.addHandler(handler)
    converter.log.setLevel(logging.WARNING)
    try:
        converter.start()
        ok = True
    except Exception as exc:  # noqa: BLE001 - nbgrader's NbGraderException after logging the cause
        ok = False
        notes.append(f"nbgrader could not grade it: {exc}")
    notes += [r for r in map(_reason, handler.notes) if r]
    out = work / "autograded" / student / assignment
    executed = sorted(str(p) for p in out.glob("*.ipynb")) if ok else []
    return {"ok": ok, "notes": list(dict.fromkeys(notes)), "executed": executed}


_ATTRIBUTE = re.compile(r"Attribute '(\w+)' for cell (\S+) has changed! \(should be: (.*), got: (.*)\)")


def _reason(message: str) -> str | None:
    """nbgrader's (or the runner's) warning about a submission, as a reason for the
    instructor (or None)."""
    if message.startswith("grader: "):
        return message.removeprefix("grader: ")
    if m := _ATTRIBUTE.match(message):
        attr, cell, want, got = m.groups()
        if attr == "checksum":
            return None  # hidden test cells always differ from the release; see check_notebook
        return f"cell {cell}: {attr} changed from {want} to {got}; restored to {want} and graded"
    if message.startswith("Missing grade cell"):
        cell = message.split()[3]
        return f"cell {cell} was deleted; it was put back and graded"
    return None


def feedback(job: dict) -> dict:
    root = Path(job["root"])
    config = course_config(root)
    cd = coursedir(root, config)
    cd.student_id, cd.assignment_id = job["student"], job["assignment"]
    config.BaseConverter.force = True
    converter = GenerateFeedback(coursedir=cd, config=config)
    converter.log.setLevel(logging.ERROR)
    converter.start()
    return {"ok": True}


GRADER_MEMORY = 4 * 2**30  # bytes of address space of a worker (its kernel has its own limit)


def cap_memory() -> None:
    """Cap this process's address space. Tests run here and call references back for the
    kernel with arguments a student chose (a broadcast to a huge shape, say): such a call
    fails with MemoryError instead of taking the machine's memory from the class."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = GRADER_MEMORY if hard == resource.RLIM_INFINITY else min(GRADER_MEMORY, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def main() -> None:
    cap_memory()
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints go to the log
    for line in sys.stdin:
        job = json.loads(line)
        try:
            result = {"execute": execute, "feedback": feedback}[job["kind"]](job)
        except Exception:  # noqa: BLE001 - reported, the worker goes on
            result = {"ok": False, "notes": ["grader error: " + traceback.format_exc(limit=3)[-500:]]}
        result["id"] = job["id"]
        out.write(json.dumps(result) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
