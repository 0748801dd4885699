"""Generate release/ and solutions/ from source/, and execute the lectures.

Each function takes the course root and an output folder, so that the tests can
regenerate into a temporary folder and compare with what is committed."""
import copy
import logging
import tempfile
from pathlib import Path

from nbgrader.converters import GenerateAssignment
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from . import ROOT, assignments
from .notebooks import clear_outputs, execute, read, write


def course_config(root: Path = ROOT) -> Config:
    """The course's nbgrader_config.py as a traitlets Config."""
    return PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()


def coursedir(root: Path, config: Config | None = None, **paths) -> CourseDirectory:
    config = copy.deepcopy(config or course_config(root))
    for name, value in paths.items():
        setattr(config.CourseDirectory, name, str(value))
    config.CourseDirectory.root = str(root)
    return CourseDirectory(config=config)


def release(root: Path = ROOT, names=None, out: Path | None = None) -> list[Path]:
    """Regenerate the student version of each assignment with nbgrader (no database)."""
    root = Path(root)
    out = Path(out or root / "release")
    config = course_config(root)
    config.GenerateAssignment.no_database = True
    config.SaveCells.enabled = False
    config.BaseConverter.force = True
    written = []
    scratch = tempfile.TemporaryDirectory()  # nbgrader opens a gradebook even without --no-db
    for name in names or assignments(root):
        cd = coursedir(root, config, release_directory=out.resolve(),
                       db_url=f"sqlite:///{scratch.name}/gradebook.db")
        converter = GenerateAssignment(coursedir=cd, config=config)
        converter.log.setLevel(logging.WARNING)
        cd.assignment_id = name
        converter.start()
        written += sorted((out / name).glob("*.ipynb"))
    scratch.cleanup()
    return written


def solutions(root: Path = ROOT, names=None, out: Path | None = None) -> list[Path]:
    """Execute the instructor's notebooks of source/ and save them with outputs."""
    root = Path(root)
    out = Path(out or root / "solutions")
    written = []
    for name in names or assignments(root):
        for src in sorted((root / "source" / name).glob("*.ipynb")):
            with tempfile.TemporaryDirectory() as tmp:
                nb = execute(clear_outputs(read(src)), cwd=tmp)
            dest = out / name / src.name
            write(nb, dest)
            written.append(dest)
    return written


def lectures(root: Path = ROOT, names=None) -> list[Path]:
    """Re-execute the lecture notebooks in place (outputs are what nbval compares)."""
    root = Path(root)
    written = []
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        if names and not any(path.stem.startswith(n) for n in names):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            nb = execute(clear_outputs(read(path)), cwd=tmp)
        write(nb, path)
        written.append(path)
    return written
