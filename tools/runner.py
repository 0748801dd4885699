"""The trusted runner: nbgrader's Execute step, with every test outside the student's
process.

`TrustedExecute` goes through the notebook once. Student cells (solution cells and any
cell the student added) run in the jailed kernel (tools/remote.py). The course's own
locked cells (the imports, a provided reference) run in the kernel and here. Test cells
run HERE, in the grader's interpreter, with their source taken from the gradebook (never
from the submission): every graded name (the grade_id of a solution cell) is a
`Remote` proxy, so the kernel only ever sees the arguments of a call. A test cell's
outputs are written by this runner alone: what the test printed, what the student's
code printed while it was called (as plain text), and the failure if any. nbgrader then
scores the cell from those outputs. Nothing of the tests, not even their source, enters
the kernel.

The references a hidden test computes (functions named `_ref...` or `..._ref`, which
must be pure functions of their arguments) are computed once per grading process and
class, not once per student: their results are kept, keyed by the test's source and
the arguments' values.

Also: a time limit per cell and per notebook, an output limit per cell, a dead kernel
fails the cells that could not run, and every such event is logged as
"grader: ..." (the grade command turns these into reasons in reports/problems.csv).
"""
import ast
import builtins
import contextlib
import copy
import functools
import hashlib
import io
import random
import time
import warnings

import numpy as np
from nbformat.v4 import new_output, output_from_msg
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Integer

from .remote import CallTimeout, GradingError, KernelDied, Remote, Session

_ERRSTATE = {"divide": "warn", "over": "warn", "under": "ignore", "invalid": "warn"}  # numpy's default


def error_output(ename: str, evalue: str):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class _Text(io.TextIOBase):
    """Collects what a test cell prints, in order, up to a limit."""

    def __init__(self, limit: int):
        self.parts, self.size, self.limit, self.cut = [], 0, limit, False

    def write(self, text):
        if self.size + len(text) > self.limit:
            text = text[: max(0, self.limit - self.size)]
            self.cut = True
        self.parts.append(text)
        self.size += len(text)
        return len(text)

    def value(self) -> str:
        return "".join(self.parts) + ("\n... output truncated ...\n" if self.cut else "")


# -- references, computed once -------------------------------------------------------------
_MEMO: dict = {}
_MEMO_LIMIT = 256 * 2**20  # bytes of arrays kept
_memo_bytes = [0]


def is_reference(name: str) -> bool:
    return name.startswith("_ref") or name.endswith("_ref")


def _key(value, depth=0):
    """A hashable fingerprint of an argument, or TypeError for what is not plain data."""
    if depth > 8:
        raise TypeError("nested too deeply")
    if value is None or isinstance(value, (bool, int, float, complex, str)):
        return (type(value).__name__, value)
    if isinstance(value, np.generic):
        return ("scalar", value.dtype.str, value.tobytes())
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
        return ("array", value.dtype.str, value.shape, hashlib.blake2b(value.tobytes()).digest())
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, tuple(_key(v, depth + 1) for v in value))
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return ("dict", tuple(sorted((k, _key(v, depth + 1)) for k, v in value.items())))
    if isinstance(value, (type, np.dtype)):
        return ("type", str(value))
    raise TypeError(type(value).__name__)


def _nbytes(value) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(v) for v in value)
    return 64


def memo(tag: str):
    """Decorator put on a test's reference function: the same arguments give the stored
    result (a copy) instead of a new computation."""
    def decorate(fn):
        def wrapper(*args, **kwargs):
            try:
                key = (tag, _key(args), _key(kwargs))
            except TypeError:
                return fn(*args, **kwargs)
            if key in _MEMO:
                return copy.deepcopy(_MEMO[key])
            result = fn(*args, **kwargs)
            size = _nbytes(result)
            if _memo_bytes[0] + size <= _MEMO_LIMIT:
                _MEMO[key] = copy.deepcopy(result)
                _memo_bytes[0] += size
            return result
        wrapper.__name__ = fn.__name__
        wrapper.__wrapped__ = fn
        return wrapper
    return decorate


@functools.lru_cache(maxsize=512)
def compile_test(source: str, name: str):
    """A test cell's code, its reference functions memoised (compiled once per grading
    process: the class shares the gradebook's test cells)."""
    tree = ast.parse(source)
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and is_reference(node.name):
            tag = ast.Constant(f"{digest}:{node.name}:{node.lineno}")
            node.decorator_list.insert(0, ast.Call(ast.Name("__course_memo__", ast.Load()), [tag], []))
    ast.fix_missing_locations(tree)
    return compile(tree, f"<{name}>", "exec")


def cell_roles(db_url: str, notebook: str, assignment: str) -> dict:
    """What the gradebook says each cell of this notebook is."""
    with Gradebook(db_url) as gb:
        nb = gb.find_notebook(notebook, assignment)
        grade = {c.name for c in nb.grade_cells if c.cell_type == "code"}
        solution = {c.name for c in nb.solution_cells}
        locked = {c.name: c.source for c in nb.source_cells if c.locked and c.cell_type == "code"}
    return {"tests": {name: locked[name] for name in grade - solution if name in locked},
            "course": {name: src for name, src in locked.items() if name not in grade | solution},
            "graded_names": sorted(n for n in solution if n.isidentifier())}


class TrustedExecute(NbGraderPreprocessor):
    """Run a submission: student cells in the jailed kernel, tests in this process."""

    timeout = Integer(30, help="Seconds a cell (or one call of a graded function) may run.").tag(config=True)
    notebook_timeout = Integer(300, help="Seconds for the whole notebook.").tag(config=True)
    max_output_bytes = Integer(1_000_000, help="Output kept per cell (characters).").tag(config=True)
    sandbox = Bool(True, help="Run the kernel in the jail (tools/jail.py).").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        self.roles = cell_roles(info["db_url"], info["notebook"], info["assignment"])
        self.deadline = time.monotonic() + self.notebook_timeout
        self.stopped = None  # the error every remaining cell gets
        self.namespace = {"__name__": "__main__", "__builtins__": builtins, "__course_memo__": memo}
        np.random.seed(0)  # the grader's global random state: the same for every student
        random.seed(0)
        try:
            self.session = Session(sandbox=self.sandbox)
        except KernelDied as exc:
            self.session = None
            self.stopped = error_output("DeadKernelError", str(exc))
            self._event(f"DeadKernelError: {exc}")
        try:
            for index, cell in enumerate(nb.cells):
                if cell.cell_type == "code":
                    nb.cells[index] = self.run_cell(cell, index)
        finally:
            if self.session:
                self.session.close()
        return nb, resources

    def _event(self, text: str) -> None:
        self.log.warning("grader: %s", text)

    def _remaining(self) -> float:
        return min(float(self.timeout), max(1.0, self.deadline - time.monotonic()))

    def run_cell(self, cell, index):
        cell = copy.deepcopy(cell)
        cell.outputs, cell.execution_count = [], None
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        where = gid or f"cell {index}"
        if self.stopped is None and time.monotonic() > self.deadline:
            self.stopped = error_output(
                "NotebookTimeoutError", f"the notebook ran longer than {self.notebook_timeout} s in all; "
                "this cell and the ones after it were not run")
            self._event(f"NotebookTimeoutError in {where}: the notebook ran longer than {self.notebook_timeout} s")
        if self.stopped is not None:
            cell.outputs = [self.stopped]
            return cell
        try:
            if gid in self.roles["tests"] and cell.metadata["nbgrader"].get("grade"):
                self.run_test(cell, gid)
            elif gid in self.roles["course"]:
                cell.source = self.roles["course"][gid]
                self.run_in_kernel(cell, where)
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(cell.source, f"<{gid}>", "exec"), self.namespace)  # noqa: S102 - the course's own code
            else:
                self.run_in_kernel(cell, where)
        except KernelDied as exc:
            cell.outputs.insert(0, error_output("DeadKernelError", f"the kernel died while running this cell ({exc})"))
            self.stopped = error_output("DeadKernelError", "the kernel died (crash, os._exit or out of memory) "
                                        "in an earlier cell; this cell could not run")
            self._event(f"DeadKernelError in {where}: the kernel died while running this cell ({exc})")
        return cell

    # -- the student's cells ----------------------------------------------------------
    def run_in_kernel(self, cell, where: str) -> None:
        outputs, size = [], [0, False]

        def on_output(msg):
            kind = msg["msg_type"]
            if kind == "clear_output":
                outputs.clear()
                return
            if kind == "update_display_data":
                return
            content = msg["content"]
            size[0] += len(content.get("text", "")) + sum(len(str(v)) for v in content.get("data", {}).values())
            if size[0] > self.max_output_bytes and kind != "error":
                size[1] = True
                return
            outputs.append(output_from_msg(msg))

        cuts = self.session.reconnected
        try:
            reply = self.session.execute(cell.source, timeout=self._remaining(), on_output=on_output)
            if reply.get("status") == "error" and reply.get("ename") == "MemoryError":
                self._event(f"MemoryError in {where}")
        except CallTimeout as exc:
            outputs.append(error_output("CellTimeoutError", f"the cell {exc}"))
            self._event(f"CellTimeoutError in {where}: the cell ran longer than {self.timeout} s")
        finally:
            size[1] = size[1] or self.session.reconnected > cuts
            if size[1]:
                outputs.append(new_output("stream", name="stderr", text=(
                    f"\n... output truncated: more than {self.max_output_bytes} characters ...\n")))
                self._event(f"output flooding in {where}: the output was truncated")
            cell.outputs = outputs

    # -- test cells ---------------------------------------------------------------------
    def _bind_graded_names(self, out) -> None:
        names = self.roles["graded_names"]
        found = self.session.describe(names, self._remaining(), out.write)
        for name in names:
            kind = found[name]
            if kind[0] == "function":
                self.namespace[name] = Remote(self.session, name, self._remaining, out.write)
            elif kind[0] == "value":
                self.namespace[name] = kind[1]
            else:
                self.namespace.pop(name, None)

    def run_test(self, cell, gid: str) -> None:
        cell.source = self.roles["tests"][gid]  # the gradebook's version, whatever was submitted
        out, err = _Text(self.max_output_bytes), _Text(self.max_output_bytes)
        error = None
        try:
            self._bind_graded_names(out)
            code = compile_test(cell.source, gid)
            with (contextlib.redirect_stdout(out), contextlib.redirect_stderr(err),
                  warnings.catch_warnings(), np.errstate(**_ERRSTATE)):
                warnings.resetwarnings()
                warnings.simplefilter("default")
                for quiet in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
                    warnings.simplefilter("ignore", quiet)
                exec(code, self.namespace)  # noqa: S102 - the instructor's test, in the grader
        except CallTimeout as exc:
            error = error_output("CellTimeoutError", f"a call of a graded function: {exc}")
            self._event(f"CellTimeoutError in {gid}: a call ran longer than {self.timeout} s")
        except KernelDied:
            raise
        except GradingError as exc:
            error = error_output("GradingError", str(exc))
            self._event(f"GradingError in {gid}: {exc}")
        except Exception as exc:  # noqa: BLE001 - the test's verdict
            error = error_output(type(exc).__name__, str(exc))
            if isinstance(exc, MemoryError):
                self._event(f"MemoryError in {gid}")
        finally:
            try:
                self.session.end_calls()  # KernelDied goes on to run_cell, after the outputs below
            finally:
                if out.value():
                    cell.outputs.append(new_output("stream", name="stdout", text=out.value()))
                if err.value():
                    cell.outputs.append(new_output("stream", name="stderr", text=err.value()))
        if error is not None:
            cell.outputs.append(error)
