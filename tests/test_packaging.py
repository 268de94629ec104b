"""Packaging hygiene: pyproject.toml and environment.yml list the same dependencies; the CLI
lists every command; the repo ignores what it generates."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from helpers.core.paths import project_root

ROOT = project_root()


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req.strip(), maxsplit=1)[0].lower()


def test_environment_yml_matches_pyproject():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(r): r.replace(" ", "") for r in py["dependencies"] + py["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = {_name(d): d.replace(" ", "") for d in env["dependencies"] if isinstance(d, str)}
    conda.pop("python")
    conda.pop("pip")
    assert conda == wanted


def test_cli_lists_its_commands():
    r = subprocess.run([sys.executable, "-m", "helpers", "--help"], capture_output=True, text=True,
                       check=True)
    for command in ("ingest", "audit", "score", "build", "params", "workbook"):
        assert command in r.stdout


def test_generated_paths_are_ignored():
    ignore = (ROOT / ".gitignore").read_text(encoding="utf-8")
    for pattern in (".venv/", "__pycache__/", "data/derived/", "reports/*", ".ipynb_checkpoints/"):
        assert pattern in ignore


def test_notebooks_are_committed_without_outputs():
    import json

    for nb_path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            assert not cell.get("outputs"), f"{nb_path.name} has outputs"
            assert not cell.get("execution_count"), f"{nb_path.name} has execution counts"


def test_setup_is_idempotent():
    """After `make test` set the project up, a second set-up installs nothing: the venv stamp is
    newer than pyproject.toml (a dry run would run no pip) and the system check finds every
    package present."""
    r = subprocess.run(["make", "-n", ".venv/.installed"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0 and "pip install" not in r.stdout, "make would reinstall: " + r.stdout
    r = subprocess.run(["bash", "scripts/ensure-system-deps.sh"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("system packages: ok"), r.stdout + r.stderr


@pytest.mark.slow
def test_project_kernel_has_the_venv_on_its_path():
    """`make setup` installs the kernel "budget-reports"; a shell command in it (`!python -m helpers`)
    finds the project's venv first, as an analyst in JupyterLab expects."""
    from jupyter_client.kernelspec import KernelSpecManager
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    spec = KernelSpecManager().get_kernel_spec("budget-reports")
    venv_bin = str(Path(sys.executable).parent)
    assert spec.env["PATH"].split(":")[0] == venv_bin
    nb = new_notebook(cells=[new_code_cell(
        "import shutil, subprocess\n"
        "print(shutil.which('python'))\n"
        "r = subprocess.run(['python', '-m', 'helpers', '--version'], capture_output=True, text=True)\n"
        "print(r.stdout)")])
    NotebookClient(nb, kernel_name="budget-reports", timeout=120).execute()
    out = nb.cells[0].outputs[0]["text"]
    assert out.splitlines()[0] == str(Path(venv_bin) / "python") and "python -m helpers" in out
