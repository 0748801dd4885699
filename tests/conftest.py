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
