"""Grading benchmark: the course's grade command against plain sequential
`nbgrader autograde`, on the same submissions, on this machine.

    python3 course.py bench [--copies N] [--jobs J]

For every assignment it submits N copies of a realistic submission (the instructor's
solution in the released notebook), grades them both ways in two scratch copies of the
course, checks that every score is identical, and prints seconds per submission and
the speed-up. Feedback HTML is left out of both, so the same work is compared.
"""
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nbgrader.api import Gradebook

from . import assignments, grade
from .build import coursedir
from .submissions import copy_course, make_submission


def add_arguments(p):
    p.add_argument("assignment", nargs="*", help="assignments to use (default: all)")
    p.add_argument("--copies", type=int, default=10, help="submissions per assignment (default 10)")
    p.add_argument("--jobs", type=int, default=grade.default_jobs(), help="workers for the grade command (default: cores + 1)")
    p.add_argument("--unsandboxed", action="store_true", help="grade without bubblewrap")


def _scratch_course(dest: Path, names, copies: int) -> list[tuple[str, str]]:
    copy_course(dest)
    subs = []
    for a in names:
        for i in range(copies):
            make_submission(dest, f"student{i:03d}", a)
            subs.append((f"student{i:03d}", a))
    return subs


def _scores(course: Path) -> dict:
    with Gradebook(coursedir(course).db_url) as gb:
        return {(s.student.id, s.assignment.name): s.score
                for a in gb.assignments for s in a.submissions}


def main(args) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        plain, ours = Path(tmp) / "plain", Path(tmp) / "ours"
        names = args.assignment or assignments()
        subs = _scratch_course(plain, names, args.copies)
        _scratch_course(ours, names, args.copies)
        # the plain side is nbgrader as it ships: its own Execute, no sandbox, no engine
        (plain / "nbgrader_config.py").write_text(
            'c = get_config()  # noqa: F821\nc.CourseDirectory.course_id = "self-attention"\n'
            "c.Execute.timeout = 30\nc.OverwriteCells.add_missing_cells = True\n")
        n = len(subs)
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
        print(f"{n} submissions ({args.copies} of each of {len(names)} assignments), "
              f"{os.cpu_count()} cores", flush=True)

        start = time.perf_counter()
        for a in names:
            subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", a, "--force",
                            "--CourseDirectory.release_directory=" + str(Path(tmp) / "rel")],
                           cwd=plain, env=env, check=True, capture_output=True)
        setup = time.perf_counter() - start
        start = time.perf_counter()
        for a in names:
            subprocess.run([sys.executable, "-m", "nbgrader", "autograde", a, "--force"],
                           cwd=plain, env=env, check=True, capture_output=True)
        t_plain = time.perf_counter() - start

        with tempfile.TemporaryDirectory() as scratch:  # the same one-time set-up as above
            grade.update_gradebook(ours, names, Path(scratch))
        start = time.perf_counter()
        grade.grade(ours, names, jobs=args.jobs, sandbox=not args.unsandboxed, feedback=False,
                    progress=False)
        t_ours = time.perf_counter() - start

        a, b = _scores(plain), _scores(ours)
        same = a == b and len(a) == n
        print(f"plain nbgrader autograde (sequential): {t_plain:7.1f} s  "
              f"{t_plain / n:5.2f} s/submission  (+{setup:.1f} s generate_assignment)")
        print(f"course.py grade --jobs {args.jobs} ({'sandboxed' if not args.unsandboxed else 'unsandboxed'}):"
              f" {t_ours:7.1f} s  {t_ours / n:5.2f} s/submission")
        print(f"speed-up: {t_plain / t_ours:.2f}x   scores identical: {'yes' if same else 'NO'}")
        if not same:
            diff = {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
            print(f"differences: {diff}")
            return 1
    return 0
