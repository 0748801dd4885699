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


def _validate_cell(self, cell) -> None:
    """nbgrader's BaseMetadataValidator.validate_cell with one validator per schema:
    `jsonschema.validate`, which nbgrader calls for every cell, checks the schema itself
    each time (a third of the cost of autograding's metadata checks). The same checks,
    the same errors."""
    import jsonschema

    if "nbgrader" not in cell.metadata:
        return
    schema = cell.metadata["nbgrader"].get("schema_version", 0)
    if schema != self.schema_version:
        return _VALIDATE_CELL(self, cell)  # nbgrader's own errors for other versions
    validator = _VALIDATORS.get(schema)
    if validator is None:
        cls = jsonschema.validators.validator_for(self.schema)
        cls.check_schema(self.schema)
        validator = _VALIDATORS[schema] = cls(self.schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(cell.metadata["nbgrader"]))
    if error is not None:
        raise error


_VALIDATE_CELL = None
_VALIDATORS: dict = {}  # schema version -> its jsonschema validator
_ENGINES: dict = {}  # (url, options) -> engine, the most recently used last
_KEEP_ENGINES = 8


def _shared_engine(url, **options):
    """sqlalchemy.create_engine for nbgrader's Gradebook, one engine per database.

    Every Gradebook makes an engine of its own, and an engine compiles each SQL statement
    afresh: saving one submission's grades opens the course gradebook seven times and
    compiled the same statements each time. Each Gradebook still starts with no open
    connection (the engine's are closed when it is handed out again, in case a Gradebook
    was not closed and its file has been replaced since) and its close() still closes them;
    the engine, and its compiled statements, stay."""
    import sqlalchemy

    key = (str(url), tuple(sorted(options.items())))
    engine = _ENGINES.pop(key, None)
    if engine is None:
        engine = sqlalchemy.create_engine(url, **options)
    else:
        engine.dispose()
    _ENGINES[key] = engine
    while len(_ENGINES) > _KEEP_ENGINES:
        _ENGINES.pop(next(iter(_ENGINES))).dispose()
    return engine


def _patch_nbgrader() -> None:
    """Make nbgrader cheaper where grading calls it for every submission; see the three
    functions above. Behaviour is unchanged."""
    import functools

    import nbgrader.api
    from nbgrader.nbgraderformat.common import BaseMetadataValidator

    global _VALIDATE_CELL
    nbgrader.api.get_alembic_version = functools.cache(_alembic_head)
    nbgrader.api.create_engine = _shared_engine
    if _VALIDATE_CELL is None:
        _VALIDATE_CELL = BaseMetadataValidator.validate_cell
        BaseMetadataValidator.validate_cell = _validate_cell
