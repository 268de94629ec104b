"""JupyterLab itself, as an analyst uses it: a real ``jupyter lab`` server from the venv (on loopback,
with a token, over a temporary copy of the project), the analysts' notebooks/explore.ipynb opened in
headless chromium, Run › Run All Cells from the menu, and the outcome read from what JupyterLab shows.

Nothing outside the temporary folder is written: the server's Jupyter config/data/runtime dirs, the
IPython and matplotlib dirs and BUDGET_REPORTS_ROOT all point into it, and the committed notebooks are
checked unchanged afterwards. The server and every process it started (kernels, ``!`` commands) are
ended at the end of the module; a marker in their environment finds any that outlived the server."""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil
import pytest

from conftest import REPO, copy_project
from helpers.reports.pdf import CHROMIUM_ARGS, chromium_path

pytestmark = pytest.mark.slow

KERNEL = "budget-reports"
MARKER_VAR = "BUDGET_REPORTS_LAB_TEST"   # set in the server's environment; inherited by its children
START_TIMEOUT = 60                       # seconds for /api/status to answer
RUN_TIMEOUT = 180                        # seconds for Run All Cells to finish
VIEWPORT = {"width": 1400, "height": 900}

# JupyterLab 4 renders an exception as <div class="jp-RenderedText ..."
# data-mime-type="application/vnd.jupyter.stderr"> — the same as a warning — so the DOM alone cannot
# tell them apart by mime type; the cell models (output_type "error") and a traceback in the text can.
ERROR_SELECTOR = '.jp-RenderedText[data-mime-type="application/vnd.jupyter.error"]'
STDERR_SELECTOR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
GLYPH_WARNING = re.compile(r"Glyph .{0,80}missing from|missing from font", re.S)
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\w*(Error|Exception)\b", re.M)
BUILD_OK = re.compile(r"\bok\b|up to date")


def sha256s(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.ipynb"))}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lab:
    url: str             # http://127.0.0.1:<port>
    token: str
    root: Path           # BUDGET_REPORTS_ROOT of the server (a temporary copy of the project)
    notebooks: Path      # the server's root_dir (root/notebooks)
    log: Path
    repo_notebooks_before: dict[str, str]

    def lab_url(self, notebook: str) -> str:
        # reset: a fresh workspace, not the tabs another test left open
        return f"{self.url}/lab/tree/{notebook}?reset&token={self.token}"


def marked_processes(marker: str) -> list[psutil.Process]:
    """Every process still running with our marker in its environment (server, kernels, ``!``)."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get(MARKER_VAR) == marker and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def stop_server(server: subprocess.Popen, marker: str) -> list[str]:
    """SIGTERM the server (it shuts its kernels down), then end whatever is left. Returns what had to
    be killed by hand, for the report."""
    leftovers = []
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            leftovers.append(f"server pid {server.pid} ignored SIGTERM for 30 s")
            server.kill()
            server.wait(timeout=10)
    procs = marked_processes(marker)
    if procs:
        leftovers += [f"pid {p.pid} {' '.join(p.cmdline())[:120]}" for p in procs]
        for p in procs:
            p.terminate()
        _, alive = psutil.wait_procs(procs, timeout=10)
        for p in alive:
            p.kill()
        psutil.wait_procs(alive, timeout=10)
    return leftovers


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    before = sha256s(REPO / "notebooks")
    base = tmp_path_factory.mktemp("lab")
    root = copy_project(base / "project")        # data, notebooks, params, empty reports/
    notebooks = root / "notebooks"
    config = base / "jupyter-config"
    # No news or update checks (no request leaves the machine, no toast over the notebook).
    settings = config / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8")

    port, token, marker = free_port(), secrets.token_hex(24), secrets.token_hex(8)
    venv_data = Path(sys.prefix) / "share" / "jupyter"           # kernels/budget-reports lives here
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER_", "JPY_"))}
    env.update({
        "BUDGET_REPORTS_ROOT": str(root),
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_DATA_DIR": str(base / "jupyter-data"),
        "JUPYTER_RUNTIME_DIR": str(base / "jupyter-runtime"),
        "JUPYTER_PATH": str(venv_data),
        "IPYTHONDIR": str(base / "ipython"),
        "MPLCONFIGDIR": str(base / "matplotlib"),
        MARKER_VAR: marker,
    })
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={notebooks}",
           "--LabApp.expose_app_in_browser=True",       # window.jupyterapp: read the cell models
           # jupyter_lsp's autodetection runs `npm prefix -g`, which logs into ~/.npm/_logs
           "--LanguageServerManager.autodetect=False"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = base / "jupyter-lab.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(cmd, env=env, cwd=base, stdin=subprocess.DEVNULL, stdout=out,
                                  stderr=subprocess.STDOUT)
    leftovers = []
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if server.poll() is not None:
                pytest.fail(f"jupyter lab exited with {server.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not answer within {START_TIMEOUT} s:\n"
                            f"{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield Lab(url, token, root, notebooks, log, before)
    finally:
        leftovers = stop_server(server, marker)
    assert not marked_processes(marker), "processes of the lab server still running"
    assert not leftovers, f"outlived the server's shutdown (killed): {leftovers}"
    # checked here too, so that it is checked even when a test failed half-way
    assert sha256s(REPO / "notebooks") == before, "the committed notebooks changed during the lab tests"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    # chromium keeps crash-report settings and a dconf file under $HOME: give it a temporary one
    home = tmp_path_factory.mktemp("browser-home")
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_CACHE_HOME": str(home / ".cache")}
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, env=env)
        yield b
        b.close()


# --- driving JupyterLab -------------------------------------------------------------------------

PANEL_JS = "window.jupyterapp && window.jupyterapp.shell.currentWidget"

CELLS_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  return panel.content.widgets.filter(c => c.model.type === 'code').map(c => ({
    count: c.model.executionCount,
    prompt: c.node.querySelector('.jp-InputPrompt')?.textContent.trim() ?? '',
    outputs: c.model.outputs.toJSON(),
    text: c.node.querySelector('.jp-OutputArea')?.textContent ?? '',
  }));
}"""

FINISHED_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session?.kernel;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  return kernel?.status === 'idle' && cells.length > 0
    && cells.every(c => c.model.executionCount !== null
                        && /^\\[\\d+\\]:$/.test(c.node.querySelector('.jp-InputPrompt')?.textContent.trim()));
}"""


def open_notebook(browser, lab: Lab, name: str):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(lab.lab_url(name), wait_until="domcontentloaded")
    page.wait_for_function(
        f"() => {{ const w = {PANEL_JS}; return w && w.context && w.context.path === {json.dumps(name)}"
        " && w.content.widgets.length > 0 && w.node.querySelector('.jp-Cell') !== null; }",
        timeout=60_000)
    return page


def ensure_kernel(page, name: str = KERNEL) -> None:
    """Wait for the notebook's kernel; answer the kernel-selection dialog with ``name`` if it asks."""
    from playwright.sync_api import expect

    page.wait_for_function(
        f"() => document.querySelector('.jp-Dialog') !== null"
        f" || ({PANEL_JS}).sessionContext.session?.kernel?.status === 'idle'", timeout=60_000)
    dialog = page.locator(".jp-Dialog")
    if dialog.count():
        select = dialog.locator("select")
        value = select.evaluate(f"s => [...s.options].find(o => o.value.includes({json.dumps(name)}))?.value")
        assert value, dialog.inner_text()
        select.select_option(value=value)
        dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    page.wait_for_function(
        f"() => {{ const k = ({PANEL_JS}).sessionContext.session?.kernel;"
        f" return k?.name === {json.dumps(name)} && k.status === 'idle'; }}", timeout=60_000)
    panel_id = page.evaluate(f"() => ({PANEL_JS}).id")
    expect(page.locator(f"#{panel_id} .jp-Toolbar-kernelName")).to_contain_text(name)


def run_all_cells(page, timeout_s: int = RUN_TIMEOUT) -> list[dict]:
    """Run › Run All Cells from the menu bar; wait for the kernel to be idle with every code cell
    numbered. Returns each code cell's state (execution count, prompt, outputs, rendered text)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    # numbered cells before the run would make the wait below pass at once
    stale = [c["prompt"] for c in page.evaluate(CELLS_JS) if c["count"] is not None]
    assert not stale, f"cells already executed before Run All (outputs committed?): {stale}"
    run_menu = page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$"))
    page.locator(".lm-MenuBar-item", has=run_menu).click()
    run_all = page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$"))
    page.locator(".lm-Menu-item", has=run_all).click()
    try:
        page.wait_for_function(FINISHED_JS, timeout=timeout_s * 1000, polling=500)
    except PlaywrightTimeout:
        cells = page.evaluate(CELLS_JS)
        pytest.fail(f"Run All did not finish within {timeout_s} s; prompts: {[c['prompt'] for c in cells]}")
    return page.evaluate(CELLS_JS)


def problems(page, cells: list[dict]) -> dict[str, list[str]]:
    """Errors (from the cell models, and from what the page renders) and missing-glyph warnings."""
    stderr = page.locator(STDERR_SELECTOR).all_text_contents()
    notebook_text = page.locator(".jp-NotebookPanel .jp-Notebook").text_content() or ""
    return {
        "model_errors": [f"{o.get('ename')}: {o.get('evalue')}" for c in cells for o in c["outputs"]
                         if o.get("output_type") == "error"],
        "rendered_errors": page.locator(ERROR_SELECTOR).all_text_contents()
                           + [t[:300] for t in stderr if TRACEBACK.search(t)],
        "glyphs": [m.group(0) for t in [*stderr, notebook_text] for m in GLYPH_WARNING.finditer(t)],
    }


# --- the tests ----------------------------------------------------------------------------------

def test_explore_notebook_runs_in_jupyterlab(lab, browser, tmp_path):
    nb = nbformat.read(lab.notebooks / "explore.ipynb", as_version=4)
    assert nb.metadata["kernelspec"]["name"] == KERNEL
    n_code = sum(c.cell_type == "code" for c in nb.cells)

    page = open_notebook(browser, lab, "explore.ipynb")
    try:
        ensure_kernel(page)
        started = time.monotonic()
        cells = run_all_cells(page)
        elapsed = time.monotonic() - started
        page.screenshot(path=str(tmp_path / "after-run-all.png"))

        assert len(cells) == n_code
        assert [c["count"] for c in cells] == list(range(1, n_code + 1)), [c["prompt"] for c in cells]
        found = problems(page, cells)
        assert not any(found.values()), found

        # the plot: a PNG rendered by JupyterLab, decoded, of a real size
        images = page.locator(".jp-RenderedImage img")
        assert images.count() >= 1
        images.first.scroll_into_view_if_needed()
        size = images.first.evaluate("i => [i.complete, i.naturalWidth, i.naturalHeight]")
        assert size[0] and size[1] > 200 and size[2] > 100, size
        page.screenshot(path=str(tmp_path / "plot.png"))

        # pandas tables rendered as HTML, with the Chinese project names
        tables = page.locator(".jp-RenderedHTMLCommon table").all_text_contents()
        assert tables and any("计划生育" in t for t in tables), [t[:200] for t in tables]

        # the last cell's `!python -m helpers build` built into the temporary copy
        build = cells[-1]
        assert "helpers build" in nb.cells[-1].source
        assert BUILD_OK.search(build["text"]), build["text"][-2000:]
        assert (lab.root / "reports/2024/family-accident-insurance.html").is_file()
        page.locator(".jp-CodeCell").last.scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "build.png"))
        print(f"Run All: {elapsed:.1f} s; screenshots in {tmp_path}")
    finally:
        page.close()

    assert sha256s(REPO / "notebooks") == lab.repo_notebooks_before


def test_checks_see_errors_and_missing_glyphs(lab, browser):
    """The checks above are not vacuous: a scratch notebook (in the temporary copy) that asks for an
    unknown kernel, draws Chinese with a Latin-only font and raises, is caught on every count."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "no-such-kernel", "display_name": "missing", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import matplotlib\nmatplotlib.rcParams['font.family'] = ['DejaVu Sans']\n"
            "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.set_title('计划资金')"),
        nbformat.v4.new_code_cell("raise ValueError('故意的错误')"),
    ]
    nbformat.write(nb, lab.notebooks / "scratch-failing.ipynb")
    page = open_notebook(browser, lab, "scratch-failing.ipynb")
    try:
        ensure_kernel(page)                  # answers the kernel-selection dialog
        cells = run_all_cells(page)
        found = problems(page, cells)
        assert any("ValueError" in e for e in found["model_errors"]), found
        assert any("ValueError" in e for e in found["rendered_errors"]), found
        assert any("Glyph" in g for g in found["glyphs"]), found
    finally:
        page.close()
