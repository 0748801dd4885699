"""Collect: the files of a submission that travel further, and nothing else.

From `submitted/<student>/<assignment>/` only the notebooks that the release has (and
nbgrader's `timestamp.txt` and `submission_secret.txt`) are copied, each as a regular file opened without following
links; a folder on the way that is a link, a notebook that is a link, a device or
anything but a regular file, and every other entry are left behind. The notes say what
was left, in the grader's own words (never a name the student chose).

`refuse_links` is the same check for nbgrader's own `autograde` command (a sanitising
preprocessor, see nbgrader_config.py): a submission with a link in it is not graded.
"""
import os
import stat
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor

MAX_NOTEBOOK = 50 * 2**20
NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")  # written by nbgrader's submit


def _read_regular(path: Path, limit: int) -> bytes | None:
    """The content of `path` if it is a regular file (not a link), else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(limit + 1)
    finally:
        os.close(fd)


def _real_folder(base: Path, *parts: str) -> bool:
    """Whether base/parts... is a chain of real folders (no links)."""
    path = base
    for part in parts:
        path = path / part
        try:
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                return False
        except OSError:
            return False
    return True


def collect(course: Path, student: str, assignment: str, notebooks: list[str], dest: Path) -> list[str]:
    """Copy the graded files of one submission into `dest`; return notes."""
    notes = []
    dest.mkdir(parents=True, exist_ok=True)
    if not _real_folder(course, "submitted", student, assignment):
        return ["the submission folder is a link or not a folder; nothing was graded"]
    src = course / "submitted" / student / assignment
    wanted = set(notebooks) | set(NBGRADER_FILES)
    links = others = 0
    for entry in os.scandir(src):
        is_link = entry.is_symlink()
        if entry.name not in wanted:
            links += is_link
            others += not is_link
            continue
        data = _read_regular(src / entry.name, MAX_NOTEBOOK)
        if data is None:
            if entry.name not in NBGRADER_FILES:
                what = "a link" if is_link else "not a regular file"
                notes.append(f"{entry.name} was {what}, so it was not read; graded as not submitted")
            continue
        if len(data) > MAX_NOTEBOOK:
            notes.append(f"{entry.name} is larger than {MAX_NOTEBOOK // 2**20} MiB; graded as not submitted")
            continue
        (dest / entry.name).write_bytes(data)
    if links:
        notes.append(f"{links} link(s) in the submission folder were dropped (only regular files are graded)")
    return notes


class RefuseLinks(NbGraderPreprocessor):
    """For `nbgrader autograde`: stop at a submission whose notebook or folder is a link,
    or that holds a link, before anything of it is read further."""

    def preprocess(self, nb, resources):
        folder = Path(resources.get("metadata", {}).get("path", "."))
        name = resources.get("metadata", {}).get("name", "")
        suspects = [folder, folder / f"{name}.ipynb", *folder.parents[:2]]
        try:
            suspects += [Path(e.path) for e in os.scandir(folder)]
        except OSError:
            pass
        if any(p.is_symlink() for p in suspects):
            raise ValueError("the submission contains a symbolic link; it was not graded "
                             "(python3 course.py grade grades it without the links)")
        return nb, resources
