"""ruff passes on the Python files and on every notebook."""
import shutil
import subprocess
import sys
from pathlib import Path

from tools import ROOT


def test_ruff_passes_on_code_and_notebooks():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"
    run = subprocess.run([ruff, "check", "--no-cache", "."], cwd=ROOT, capture_output=True,
                         text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
