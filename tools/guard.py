"""nbgrader's Execute preprocessor, hardened for untrusted notebooks.

On top of nbgrader's per-cell timeout it adds:
- a time limit for the whole notebook: cells after it are not run and get an error;
- a dead kernel (os._exit, a crash) fails the cells that could not run, with the reason,
  instead of failing the whole submission;
- an output limit per cell, so a flooding loop cannot exhaust the grader's memory;
- tamper protection: before every test cell numpy, numpy.testing, math and builtins
  are restored to their state before any student code ran, and `np` is numpy again
  (after each test cell, and before one that follows student code); a test cell
  during which any of them changed fails (`TamperingError`);
- short error messages: test cells report only the exception line
  (`AssertionError: ...`), so feedback never shows the hidden tests' code.
"""
import secrets
import time

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_code_cell, new_output
from nbgrader import utils
from nbgrader.preprocessors import Execute
from traitlets import Integer

# Run once in the kernel before the first cell. {name} is random per notebook.
_SNAPSHOT = """
def {name}():
    import builtins, math, sys
    import numpy
    import numpy.testing
    ip = get_ipython()
    mods = [builtins, math] + [m for k, m in list(sys.modules.items())
                               if (k == "numpy" or k.startswith("numpy.")) and m is not None]
    saved = [(m, dict(vars(m))) for m in mods]
    ns0 = dict(ip.user_ns)
    builtin_names = set(vars(builtins))

    def restore():
        # put back everything a student changed; return what was changed
        changed = []
        for m, d in saved:
            cur = vars(m)
            for k, v in d.items():
                if k.startswith("__") or (m is builtins and k in ("input", "raw_input")):
                    continue  # the kernel itself rebinds these on every execution
                if cur.get(k, v) is not v:
                    changed.append(m.__name__ + "." + k)
                    try:
                        setattr(m, k, v)
                    except Exception:
                        pass
            sys.modules[m.__name__] = m
        ns = ip.user_ns
        ns["np"] = numpy
        for k in list(ns):
            if k in builtin_names and not k.startswith("_") and ns[k] is not ns0.get(k):
                del ns[k]
        ip.InteractiveTB.set_mode("Minimal")
        return changed

    import types
    holder = types.ModuleType({name!r})
    holder.restore = restore
    sys.modules[{name!r}] = holder
    del ip.user_ns[{name!r}]
{name}()
"""

_RESTORE = "__import__('sys').modules[{name!r}].restore()"
_CHECK = """
_changed = __import__('sys').modules[{name!r}].restore()
if _changed:
    raise RuntimeError('TamperingError: changed while a test ran: ' + ', '.join(sorted(_changed)[:5]))
"""


def error_output(ename: str, evalue: str):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class GuardedExecute(Execute):
    """nbgrader's Execute with notebook time limit, output limit and tamper guard."""

    notebook_timeout = Integer(300, help="Seconds for the whole notebook.").tag(config=True)
    max_output_bytes = Integer(1_000_000, help="Output kept per cell (bytes).").tag(config=True)

    def __init__(self, *args, **kwargs):
        from .sandbox import SandboxedKernelManager
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        self._guard = "_guard_" + secrets.token_hex(8)
        self._deadline = time.monotonic() + self.notebook_timeout
        self._stopped = None  # why the remaining cells are not run
        self._primed = False
        self._dirty = True
        self._bytes = {}
        return super().preprocess(nb, resources, km)

    def _run_hidden(self, source, index):
        real = self.nb.cells[index]
        cell = new_code_cell(source)
        try:
            self.execute_cell(cell, index, store_history=False)
        finally:
            self.nb.cells[index] = real  # nbclient stores the executed cell at `index`
        return [o for o in cell.outputs if o.output_type == "error"]

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if self._stopped is None and time.monotonic() > self._deadline:
            self._stopped = error_output(
                "NotebookTimeoutError",
                f"the notebook ran longer than {self.notebook_timeout} s in all; "
                "this cell and the ones after it were not run")
        if self._stopped is not None:
            cell.outputs = [self._stopped]
            return cell, resources
        grade = utils.is_grade(cell)
        try:
            if not self._primed:
                self._run_hidden(_SNAPSHOT.format(name=self._guard), index)
                self._primed = True
            if grade and self._dirty:  # student code ran since the last check
                self._run_hidden(_RESTORE.format(name=self._guard), index)
            self._dirty = not grade
            cell, resources = super().preprocess_cell(cell, resources, index)
            if grade:  # check, and restore again for the next test cell
                errors = self._run_hidden(_CHECK.format(name=self._guard), index)
                if errors and not any(o.output_type == "error" for o in cell.outputs):
                    message = errors[0].evalue.replace("TamperingError: ", "")
                    # first: nbgrader scores a cell by its first error or result
                    cell.outputs.insert(0, error_output("TamperingError", message))
        except CellTimeoutError as exc:
            cell.outputs.append(error_output("CellTimeoutError", str(exc).splitlines()[0]))
        except DeadKernelError:
            self._stopped = error_output(
                "DeadKernelError",
                "the kernel died (crash, os._exit or out of memory) in an earlier cell; "
                "this cell could not run")
            cell.outputs.insert(0, error_output(
                "DeadKernelError", "the kernel died while running this cell"))
        if self._bytes.get(index, 0) > self.max_output_bytes:
            cell.outputs.append(new_output(
                "stream", name="stderr",
                text=f"\n... output truncated: more than {self.max_output_bytes} bytes ...\n"))
        return cell, resources

    def output(self, outs, msg, display_id, cell_index):
        size = len(str(msg.get("content", "")))
        total = self._bytes.get(cell_index, 0) + size
        self._bytes[cell_index] = total
        if total > self.max_output_bytes and msg["msg_type"] != "error":
            return None
        return super().output(outs, msg, display_id, cell_index)
