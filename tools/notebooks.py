"""Reading, executing and comparing notebooks (nbformat + nbclient)."""
import copy
import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient

KERNEL = "python3"


def read(path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def write(nb, path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def execute(nb, cwd, timeout: int = 600, allow_errors: bool = False):
    """Execute a notebook in `cwd` and return it with outputs (no timing metadata)."""
    nb = copy.deepcopy(nb)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name=KERNEL, allow_errors=allow_errors,
        record_timing=False, resources={"metadata": {"path": str(cwd)}},
    )
    client.execute()
    return coalesce_streams(nb)


def coalesce_streams(nb):
    """Merge consecutive stream outputs of a cell (the kernel may send a print in
    several chunks), so that regenerated notebooks are reproducible."""
    for cell in nb.cells:
        merged = []
        for out in cell.get("outputs", []):
            if (out.output_type == "stream" and merged and merged[-1].output_type == "stream"
                    and merged[-1].name == out.name):
                merged[-1].text += out.text
            else:
                merged.append(out)
        if cell.cell_type == "code":
            cell.outputs = merged
    return nb


def clear_outputs(nb):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


_ADDRESS = re.compile(r" at 0x[0-9a-f]+")


def comparable(nb) -> list:
    """What must agree between a committed notebook and a regenerated one: every cell's
    type, source and nbgrader metadata, and its text outputs (images only by kind,
    since PNG bytes need not be reproducible)."""
    cells = []
    for cell in coalesce_streams(copy.deepcopy(nb)).cells:
        item = [cell.cell_type, cell.source, cell.metadata.get("nbgrader", {})]
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                item.append((out.name, out.text))
            elif out.output_type == "error":
                item.append((out.ename, out.evalue))
            else:
                data = out.get("data", {})
                item.append(sorted(data))
                if "text/plain" in data and not any(k.startswith("image/") for k in data):
                    item.append(_ADDRESS.sub(" at 0x…", data["text/plain"]))
        cells.append(item)
    return cells
