"""The five Dutch notebooks in notebooks/: committed without outputs, and each one runs top to
bottom on the bundled study without an error and without writing into the repository.

Execution uses nbclient with the kernel "python3" as the venv provides it: jupyter_core puts
``sys.prefix/share/jupyter`` first on the kernel search path inside a virtualenv, and
jupyter_client starts a kernelspec whose command is ``python`` with ``sys.executable``. A probe
cell checks that the kernel really is this interpreter. Nothing is registered globally.

The notebooks run in a copy of the study folder (study files plus notebooks/), with the kernel's
working directory in the copy's notebooks/ as under ``make lab``; every file of the copy is
hashed before and after, so a notebook that writes into "the repository" is caught.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = (
    "01_transcripten_en_anonimiseren.ipynb",
    "02_open_axiaal_selectief_coderen.ipynb",
    "03_personas.ipynb",
    "04_klantreis_en_heartbeats.ipynb",
    "05_rapport.ipynb",
)
STUDY_FILES = ("study.yaml", "codebook.yaml", "findings.yaml")
STUDY_DIRS = ("interviews", "codings", "journeys", "personas", "anonymization")
CELL_TIMEOUT = 900   # seconds; a first run on a new machine builds deduce's cache (~3 min)


def test_the_five_notebooks_are_there():
    missing = [name for name in NOTEBOOKS if not (NOTEBOOK_DIR / name).is_file()]
    assert not missing, f"ontbrekende notebooks: {missing}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_notebook_has_no_outputs(name):
    path = NOTEBOOK_DIR / name
    raw = json.loads(path.read_text(encoding="utf-8"))
    nb = nbformat.reads(json.dumps(raw), as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    code_cells = [c for c in raw["cells"] if c["cell_type"] == "code"]
    assert code_cells, "een notebook zonder code"
    for i, cell in enumerate(raw["cells"]):
        if cell["cell_type"] != "code":
            continue
        assert cell.get("outputs") == [], f"{name}, cel {i}: uitvoer niet gestript"
        assert cell.get("execution_count") is None, f"{name}, cel {i}: execution_count gezet"
        assert "execution" not in cell.get("metadata", {}), f"{name}, cel {i}: tijden bewaard"
    # narrated in Dutch: every notebook starts with a markdown title
    assert raw["cells"][0]["cell_type"] == "markdown"
    assert "".join(raw["cells"][0]["source"]).startswith("# ")


def test_make_lab_opens_the_notebooks_folder():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^lab:.*\n((?:\t.*\n?)+)", makefile, re.MULTILINE)
    assert recipe, "Makefile heeft geen target 'lab'"
    assert "jupyter lab notebooks/" in recipe.group(1)


# --- running them ------------------------------------------------------------------------------

def _snapshot(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or {"__pycache__", ".ipynb_checkpoints"} & set(rel.parts):
            continue
        out[rel.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    for name in STUDY_FILES:
        shutil.copy2(ROOT / name, root / name)
    for name in STUDY_DIRS:
        shutil.copytree(ROOT / name, root / name)
    shutil.copytree(NOTEBOOK_DIR, root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return root


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_top_to_bottom(name, repo_copy):
    nb = nbformat.read(repo_copy / "notebooks" / name, as_version=4)
    probe = nbformat.v4.new_code_cell("import sys\nprint(sys.prefix)")
    probe["id"] = "test-probe"
    nb.cells.insert(0, probe)
    before = _snapshot(repo_copy)

    started = time.perf_counter()
    NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                   resources={"metadata": {"path": str(repo_copy / "notebooks")}}).execute()
    seconds = time.perf_counter() - started
    print(f"{name}: {seconds:.1f} s")

    # the kernel was this venv's own python
    printed = "".join(o.get("text", "") for o in nb.cells[0].outputs if o.output_type == "stream")
    assert Path(printed.strip()) == Path(sys.prefix)
    outputs = [(i, o) for i, c in enumerate(nb.cells) if c.cell_type == "code"
               for o in c.outputs]
    errors = [f"cel {i}: {o.ename}: {o.evalue}" for i, o in outputs if o.output_type == "error"]
    assert not errors
    # no log spam (deduce switches the root logger to DEBUG on stdout when it is imported)
    logged = [i for i, o in outputs if o.output_type == "stream"
              and re.search(r"^(DEBUG|INFO):", o.text, re.MULTILINE)]
    assert not logged, f"logregels in de uitvoer van cel(len) {logged}"
    # figures and tables were shown inline
    kinds = {k for _, o in outputs for k in o.get("data", {})}
    assert "text/html" in kinds
    after = _snapshot(repo_copy)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert not changed, f"het notebook schreef in de studiemap: {changed}"
