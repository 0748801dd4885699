"""Instructor tooling of the self-attention course: build release/ and solutions/,
execute the lectures, and grade a class (see `python3 course.py --help`)."""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def assignments(root: Path = ROOT) -> list[str]:
    """The assignment ids, in lesson order: the folders of source/."""
    return sorted(p.name for p in (root / "source").iterdir() if p.is_dir() and not p.name.startswith("."))


# nbgrader runs `alembic` from the environment's bin folder: make sure it is on PATH.
_BIN = os.path.dirname(sys.executable)
if _BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")
