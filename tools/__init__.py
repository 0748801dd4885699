"""Instructor tooling of the self-attention course: build release/ and solutions/,
execute the lectures, and grade a class (see `python3 course.py --help`)."""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def assignments(root: Path = ROOT) -> list[str]:
    """The assignment ids, in lesson order: the folders of source/."""
    return sorted(p.name for p in (root / "source").iterdir() if p.is_dir() and not p.name.startswith("."))


# jsonschema (under nbformat) builds an IRI parser with lark when rfc3987_syntax is
# installed: 1.4 s at every import. No notebook or gradebook schema checks IRIs, so the
# course's processes go without it (the "iri" format is then simply not checked).
sys.modules.setdefault("rfc3987_syntax", None)

# nbgrader runs `alembic` from the environment's bin folder: make sure it is on PATH.
_BIN = os.path.dirname(sys.executable)
if _BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")


def _alembic_head() -> str:
    """The gradebook schema version, from alembic's Python API.

    nbgrader asks for it whenever it creates a gradebook by running the `alembic` command
    in a subprocess, which takes seconds; grading creates scratch gradebooks, so ask
    alembic directly, once."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader import dbutil

    with dbutil._temp_alembic_ini("sqlite://") as ini:
        return ScriptDirectory.from_config(Config(ini)).get_current_head()


def _patch_nbgrader() -> None:
    import functools

    import nbgrader.api

    nbgrader.api.get_alembic_version = functools.cache(_alembic_head)
