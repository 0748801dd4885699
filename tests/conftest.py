"""Shared helpers: a scratch copy of the course, and submissions built from source/."""
import importlib.util
from pathlib import Path

from tools.submissions import (  # noqa: F401 - re-exported for the tests
    copy_course,
    grade_id,
    make_submission,
    notebook_name,
    solution_code,
)

VARIANTS = Path(__file__).parent / "variants"


def load_variants(assignment: str):
    path = VARIANTS / f"{assignment}.py"
    spec = importlib.util.spec_from_file_location(f"variants_{assignment}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pytest_sessionfinish(session):
    """Leave nothing in /tmp: this run's own temporary folders go when it ends (only its
    own, so that runs side by side do not delete each other's)."""
    import contextlib
    import shutil

    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is not None and factory._basetemp is not None:
        shutil.rmtree(factory._basetemp, ignore_errors=True)
        current = factory._basetemp.parent / "pytest-current"  # pytest's link to the newest run
        with contextlib.suppress(OSError):
            if current.is_symlink() and current.resolve(strict=False) == factory._basetemp.resolve(strict=False):
                current.unlink()
        with contextlib.suppress(OSError):  # the per-user folder, once no run uses it
            factory._basetemp.parent.rmdir()


def pytest_terminal_summary(terminalreporter):
    """One line, when the sandbox is missing: what is skipped and how to get it."""
    from tools.jail import sandbox_problem

    problem = sandbox_problem()
    skipped = sum(1 for r in terminalreporter.stats.get("skipped", [])
                  if "bubblewrap sandbox" in str(getattr(r, "longrepr", "")))
    if problem and skipped:
        terminalreporter.write_line(f"{skipped} tests that need the grading sandbox were skipped: {problem}.")
