"""The notebooks run, top to bottom, against the code as it is; the stored copies keep their outputs."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from .conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_the_five_notebooks_are_there():
    assert {p.stem for p in NOTEBOOKS} == {"what-if-spot-vs-on-demand", "checkpoint-interval", "replay-timeline",
                                           "three-questions", "team-history"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_stored_notebook_keeps_its_outputs(path):
    book = nbformat.read(path, as_version=4)
    code = [cell for cell in book.cells if cell.cell_type == "code"]
    assert code and all(cell.execution_count for cell in code), "run `make notebooks` and commit the outputs"
    assert sum(bool(cell.outputs) for cell in code) >= len(code) - 1  # all but the imports show something
    assert not [o for cell in code for o in cell.outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for cell in code for o in cell.outputs)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_executes(path, monkeypatch):
    monkeypatch.setenv("TJSIM_NOTEBOOK_RUNS", "60")  # the kernel inherits it: fewer replicates, same code
    book = nbformat.read(path, as_version=4)
    NotebookClient(book, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    assert not [o for cell in book.cells if cell.cell_type == "code" for o in cell.outputs if o.output_type == "error"]
