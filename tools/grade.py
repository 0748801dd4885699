"""Grade a class: every submission under submitted/<student>/<assignment>/.

    python3 course.py grade [ASSIGNMENT ...] [--student ID ...] [--jobs N] [--unsandboxed]

Built on nbgrader's converters and gradebook, in four steps:
1. the gradebook learns each assignment from source/ (nbgrader GenerateAssignment,
   again only when source/ has changed);
2. every submission is collected (its notebooks, as regular files: tools.collect),
   checked, repaired and executed by a pool of workers, one per core (tools.worker):
   the student's cells run in a jailed kernel (tools.jail), the tests in the worker
   itself, calling the student's functions across the boundary with plain data only
   (tools.runner, tools.remote, tools.wire); outputs that could carry script are
   sanitised (tools.sanitize); a worker that overruns is killed and replaced, and the
   submission is marked;
3. as each one finishes, nbgrader's SaveAutoGrades stores its scores in the course's
   gradebook (manual grades and comments are kept on a re-run), and the workers write
   its feedback HTML with the hidden tests removed;
4. reports/grades.csv (nbgrader's CSV export), reports/items.csv and
   reports/items.png (for every test cell and graded function, how many students
   lost points on it) and reports/problems.csv (every repair and failure, with its
   reason); a summary table is printed.
"""
import csv
import hashlib
import json
import logging
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import defaultdict
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.converters import Autograde, GenerateAssignment
from nbgrader.plugins.export import CsvExportPlugin
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    LimitOutput,
    SaveAutoGrades,
)
from sqlalchemy.exc import SAWarning
from tqdm import tqdm

from . import ROOT, _patch_nbgrader, assignments, build
from .build import course_config, coursedir
from .collect import NBGRADER_FILES
from .jail import sandbox_problem
from .runner import error_output

_patch_nbgrader()
# nbgrader's gradebook triggers harmless SQLAlchemy session warnings on every save.
warnings.filterwarnings("ignore", category=SAWarning)


def default_jobs() -> int:
    """One worker more than cores: each spends part of every submission waiting (for its
    kernel to start, to stop, for the gradebook), and the extra one fills those gaps."""
    return (os.cpu_count() or 1) + 1


def add_arguments(p):
    p.add_argument("assignment", nargs="*", help="assignments to grade (default: all in source/)")
    p.add_argument("--student", action="append", default=[], help="grade only these students")
    p.add_argument("--jobs", type=int, default=default_jobs(), help="parallel workers (default: cores + 1)")
    p.add_argument("--unsandboxed", action="store_true",
                   help="run student code WITHOUT the bubblewrap sandbox (only if you trust it)")
    p.add_argument("--cell-timeout", type=int, default=None, help="seconds per cell (default: nbgrader_config.py)")
    p.add_argument("--notebook-timeout", type=int, default=300, help="seconds per notebook")
    p.add_argument("--no-feedback", action="store_true", help="skip the feedback HTML")
    p.add_argument("--course", default=str(ROOT), help="course folder (default: this repository)")


class Submission:
    def __init__(self, student, assignment):
        self.student, self.assignment = student, assignment
        self.notes: list[str] = []
        self.score = self.max_score = None


def find_submissions(root: Path, names, students) -> list[Submission]:
    subs = []
    base = root / "submitted"
    if not base.is_dir():
        return subs
    for sdir in sorted(p for p in base.iterdir() if p.is_dir()):
        if students and sdir.name not in students:
            continue
        for name in names:
            if (sdir / name).is_dir():
                subs.append(Submission(sdir.name, name))
    return subs


def _source_digest(root: Path, name: str) -> str:
    h = hashlib.sha256()
    for p in sorted((root / "source" / name).rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def update_gradebook(root: Path, names, scratch: Path) -> None:
    """Record each assignment in the course gradebook with nbgrader's GenerateAssignment,
    unless the gradebook already holds it as source/ defines it now."""
    stamp = root / "reports" / ".gradebook-sources.json"
    known = json.loads(stamp.read_text()) if stamp.exists() else {}
    config = course_config(root)
    config.BaseConverter.force = True
    with Gradebook(db_url(root)) as gb:
        have = {a.name for a in gb.assignments}
    for name in names:
        digest = _source_digest(root, name)
        if name in have and known.get(name) == digest:
            continue
        cd = coursedir(root, config, release_directory=scratch / "release-main")
        cd.assignment_id = name
        conv = GenerateAssignment(coursedir=cd, config=config)
        conv.log.setLevel(logging.ERROR)
        conv.start()
        known[name] = digest
    stamp.parent.mkdir(exist_ok=True)
    stamp.write_text(json.dumps(known, indent=1))


def template_course(root: Path, names, scratch: Path) -> Path:
    """A scratch course that each worker copies: source/, release/ and a gradebook that
    holds only the assignments' definitions (copied from the course gradebook through
    nbgrader's API), so that no worker ever touches the course's own gradebook."""
    template = scratch / "template"
    for name in names:
        shutil.copytree(root / "source" / name, template / "source" / name)
        if (root / "release" / name).is_dir():
            shutil.copytree(root / "release" / name, template / "release" / name)
        else:
            build.release(root, [name], template / "release")
    course_id = coursedir(root).course_id
    with (Gradebook(db_url(root), course_id) as src,
          Gradebook(f"sqlite:///{template / 'gradebook.db'}", course_id) as dst):
        for name in names:
            a = src.find_assignment(name)
            dst.add_assignment(name, duedate=a.duedate)
            for nb in a.notebooks:
                dst.add_notebook(nb.name, name)
                for c in nb.grade_cells:
                    dst.add_grade_cell(c.name, nb.name, name, max_score=c.max_score, cell_type=c.cell_type)
                for c in nb.solution_cells:
                    dst.add_solution_cell(c.name, nb.name, name)
                for c in nb.task_cells:
                    dst.add_task_cell(c.name, nb.name, name, max_score=c.max_score, cell_type=c.cell_type)
                for c in nb.source_cells:
                    dst.add_source_cell(c.name, nb.name, name, cell_type=c.cell_type, locked=c.locked,
                                        source=c.source, checksum=c.checksum)
    return template


class Pool:
    """Long-lived `python -m tools.worker` processes, started at once, with a hard time
    limit per job."""

    def __init__(self, n: int, log_dir: Path):
        self.jobs: queue.Queue = queue.Queue()
        self.results: queue.Queue = queue.Queue()
        self.log_dir = log_dir
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(n)]
        for t in self.threads:
            t.start()

    def submit(self, job: dict, limit: float):
        self.jobs.put((job, limit))

    def close(self):
        for _ in self.threads:
            self.jobs.put(None)
        for t in self.threads:
            t.join()

    def _spawn(self, i):
        env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")
        log = open(self.log_dir / f"worker-{i}.log", "a")  # noqa: SIM115 - lives as long as the worker
        proc = subprocess.Popen([sys.executable, "-m", "tools.worker"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=log, text=True, env=env,
                                start_new_session=True, cwd=str(ROOT))
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout] + [lines.put(None)],
                         daemon=True).start()
        return proc, lines

    def _run(self, i):
        proc, lines = self._spawn(i)  # at once: a worker takes a second to import nbgrader
        while True:
            item = self.jobs.get()
            if item is None:
                break
            job, limit = item
            if proc is None:
                proc, lines = self._spawn(i)
            healthy = False
            try:
                proc.stdin.write(json.dumps(job) + "\n")
                proc.stdin.flush()
                line = lines.get(timeout=limit)
                if line:
                    result, healthy = json.loads(line), True
                else:
                    result = {"ok": False, "notes": ["the grading worker crashed on this submission"]}
            except queue.Empty:
                result = {"ok": False, "notes": [f"grading took longer than {limit:.0f} s and was stopped"]}
            except OSError:
                result = {"ok": False, "notes": ["the grading worker crashed on this submission"]}
            if not healthy:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
                proc = lines = None
            result["id"] = job["id"]
            self.results.put(result)
        if proc is not None:
            proc.stdin.close()
            proc.wait()


def failed_notebooks(template: Path, sub: Submission, reason: str, dest: Path) -> None:
    """The released notebook with every test cell failed for `reason`: scores 0, and
    the feedback says why."""
    for path in sorted((template / "release" / sub.assignment).glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
                cell.outputs = [error_output("NotGraded", reason)]
        dest.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(dest / path.name))


def save_grades(root: Path, staging: Path, sub: Submission) -> None:
    """nbgrader's own SaveAutoGrades (and late penalties) on the executed notebooks."""
    config = course_config(root)
    cd = coursedir(root, config, submitted_directory=staging)
    cd.student_id, cd.assignment_id = sub.student, sub.assignment
    config.Autograde.sanitize_preprocessors = []
    config.Autograde.autograde_preprocessors = [LimitOutput, SaveAutoGrades,
                                                AssignLatePenalties, CheckCellMetadata]
    config.Autograde.create_student = True
    config.BaseConverter.force = True
    conv = Autograde(coursedir=cd, config=config)
    conv.log.setLevel(logging.ERROR)
    conv.start()


def grade(root: Path = ROOT, names=None, students=(), jobs: int = 2, sandbox: bool = True,
          cell_timeout: int | None = None, notebook_timeout: int = 300, feedback: bool = True,
          progress: bool = True) -> list[Submission]:
    root = Path(root).resolve()
    names = list(names or assignments(root))
    subs = find_submissions(root, names, set(students))
    if not subs:
        return []
    config = course_config(root)
    cell_timeout = cell_timeout or int(config.Execute.get("timeout", 30))
    names = sorted({s.assignment for s in subs})
    (root / "reports").mkdir(exist_ok=True)
    # scratch courses in memory where the system offers it: their gradebooks and
    # notebooks are written many times and thrown away
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="grading-", dir=shm) as tmp:
        scratch = Path(tmp)
        pool = Pool(max(1, min(jobs, len(subs))), root / "reports")  # workers start meanwhile
        update_gradebook(root, names, scratch)
        template = template_course(root, names, scratch)
        by_id = {}
        for i, sub in enumerate(subs):
            by_id[i] = sub
            pool.submit({"kind": "execute", "id": i, "root": str(root), "template": str(template),
                         "work": str(scratch / "work" / str(i)), "student": sub.student,
                         "assignment": sub.assignment, "sandbox": sandbox,
                         "cell_timeout": cell_timeout, "notebook_timeout": notebook_timeout},
                        limit=notebook_timeout + 120)
        pending = len(subs) * (2 if feedback else 1)
        bar = tqdm(total=len(subs), desc="grading", unit="submission", disable=not progress,
                   file=sys.stderr)
        while pending:
            result = pool.results.get()
            pending -= 1
            if result["id"] >= len(subs):  # a feedback job
                if not result.get("ok"):
                    by_id[result["id"] - len(subs)].notes.append("feedback could not be written")
                continue
            sub = by_id[result["id"]]
            sub.notes += result.get("notes", [])
            staging = scratch / "staged"
            dest = staging / sub.student / sub.assignment
            if dest.exists():
                shutil.rmtree(dest)
            dest.mkdir(parents=True)
            collected = scratch / "work" / str(result["id"]) / "submitted" / sub.student / sub.assignment
            for name in NBGRADER_FILES:  # regular files, as collected (never the submission itself)
                if (collected / name).is_file():
                    shutil.copy(collected / name, dest / name)
            if result.get("ok"):
                for p in result["executed"]:
                    shutil.copy(p, dest / Path(p).name)
            else:
                failed_notebooks(template, sub, "; ".join(sub.notes) or "not graded", dest)
            try:
                save_grades(root, staging, sub)
            except Exception as exc:  # noqa: BLE001 - one submission must not stop the class
                sub.notes.append(f"grades could not be saved: {exc}")
            bar.update(1)
            if feedback:
                pool.submit({"kind": "feedback", "id": result["id"] + len(subs), "root": str(root),
                             "student": sub.student, "assignment": sub.assignment}, limit=300)
        bar.close()
        pool.close()
    collect_scores(root, subs)
    write_reports(root, subs, names)
    return subs


def collect_scores(root: Path, subs) -> None:
    with Gradebook(db_url(root)) as gb:
        for sub in subs:
            try:
                s = gb.find_submission(sub.assignment, sub.student)
                sub.score, sub.max_score = s.score, s.max_score
            except MissingEntry:
                sub.notes.append("no grades recorded")


def db_url(root: Path) -> str:
    return coursedir(root).db_url


def cell_function(grade_id: str) -> str:
    """test_softmax_hidden_axis -> softmax: the graded function a test cell belongs to."""
    name = grade_id.removeprefix("test_")
    return name.split("_hidden")[0]


def item_analysis(root: Path, names) -> list[dict]:
    """For every graded function and every test cell: how many of the students who
    submitted lost points on it (a function: on any of its test cells)."""
    rows = []
    with Gradebook(db_url(root)) as gb:
        for name in names:
            a = gb.find_assignment(name)
            n_students = len(a.submissions)
            for nb in a.notebooks:
                by_function = defaultdict(lambda: [0.0, set()])
                cells = []
                for gc in nb.grade_cells:
                    losers = {g.student.id for g in gc.grades
                              if g.score is not None and g.score < gc.max_score}
                    fn = cell_function(gc.name)
                    by_function[fn][0] += gc.max_score
                    by_function[fn][1] |= losers
                    cells.append({"assignment": name, "function": fn, "cell": gc.name,
                                  "points": gc.max_score, "students": n_students,
                                  "lost_points": len(losers)})
                for fn, (points, losers) in by_function.items():
                    rows.append({"assignment": name, "function": fn, "cell": "",
                                 "points": points, "students": n_students,
                                 "lost_points": len(losers)})
                rows += cells
    return rows


def write_reports(root: Path, subs, names) -> None:
    reports = root / "reports"
    with Gradebook(db_url(root)) as gb:
        CsvExportPlugin(to=str(reports / "grades.csv")).export(gb)
    rows = item_analysis(root, names)
    fields = ["assignment", "function", "cell", "points", "students", "lost_points"]
    with open(reports / "items.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    with open(reports / "problems.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", "assignment", "problem"])
        for sub in subs:
            for note in sub.notes:
                w.writerow([sub.student, sub.assignment, note])
    plot_items([r for r in rows if not r["cell"]], reports / "items.png")


def plot_items(rows, path: Path) -> None:
    """A bar per graded function: the share of students who lost points on it."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    if not rows:
        return
    labels = [f"{r['assignment']}: {r['function']}" for r in rows]
    share = [100 * r["lost_points"] / max(r["students"], 1) for r in rows]
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(labels) + 1.2))
    ax.barh(labels, share, color="tab:red")
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("students who lost points on it (%)")
    ax.set_title("Item analysis: where the class lost points")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def summary(subs) -> str:
    lines = [f"{'student':<24} {'assignment':<28} {'score':>13}  notes"]
    for sub in subs:
        score = ("—" if sub.score is None else f"{sub.score:g} / {sub.max_score:g}")
        lines.append(f"{sub.student:<24} {sub.assignment:<28} {score:>13}  {'; '.join(sub.notes)}")
    return "\n".join(lines)


def main(args) -> int:
    root = Path(args.course).resolve()
    names = args.assignment or assignments(root)
    unknown = sorted(set(names) - set(assignments(root)))
    if unknown:
        print(f"no such assignment in source/: {', '.join(unknown)}", file=sys.stderr)
        return 2
    sandbox = not args.unsandboxed
    if sandbox and (problem := sandbox_problem()):
        print(f"Refusing to grade: student code must run in a sandbox, and {problem}.\n"
              "Install bubblewrap, or pass --unsandboxed to run student code with your own "
              "rights (only for code you trust).", file=sys.stderr)
        return 3
    if not sandbox:
        print("WARNING: grading WITHOUT a sandbox: student code runs with your rights.",
              file=sys.stderr)
    start = time.monotonic()
    subs = grade(root, names, args.student, args.jobs, sandbox, args.cell_timeout,
                 args.notebook_timeout, feedback=not args.no_feedback)
    if not subs:
        print(f"No submissions found under {root / 'submitted'}/<student>/<assignment>/.")
        return 0
    print(summary(subs))
    took = time.monotonic() - start
    print(f"\n{len(subs)} submissions graded in {took:.1f} s with {args.jobs} workers. "
          f"Feedback: feedback/<student>/<assignment>/. Reports: reports/grades.csv, "
          f"reports/items.csv, reports/items.png, reports/problems.csv.")
    return 0
