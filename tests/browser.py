"""JupyterLab-in-Chromium harness for browser tests (fixtures ``lab`` and ``lab_page``).

Starts a JupyterLab server on a free loopback port with a random token, over a temporary copy of
``notebooks/`` (so the browser's autosave never writes outputs into the committed notebooks), drives
Debian's ``/usr/bin/chromium`` headless through Playwright's Python API (never ``playwright install``)
and stops everything it started. Tests using it are skipped, with the reason, only where chromium is
absent.

Use from a test module::

    from browser import lab, lab_page, open_notebook, run_all_cells  # noqa: F401  (fixtures)
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT = 60
RUN_TIMEOUT_MS = 120_000

requires_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed (/usr/bin/chromium); .ci/run installs it: "
    "apt-get install -y chromium",
)


@dataclass
class Lab:
    url: str
    token: str
    root: Path
    home: Path
    process: subprocess.Popen

    def notebook_url(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?reset&token={self.token}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    """A running JupyterLab over a temporary copy of notebooks/; stopped after the test."""
    root = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", root)
    home = tmp_path / "pmcourse-home"
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        PMCOURSE_HOME=str(home),
        JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "jupyter-runtime"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "jupyter-workspaces"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "jupyter-settings"),
    )
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.port_retries=0",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    # no "get notified about news?" toast over the screenshots
    notify = tmp_path / "jupyter-settings" / "@jupyterlab" / "apputils-extension"
    notify.mkdir(parents=True)
    (notify / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}'
    )
    # every cell attached to the page, so figures below the fold are laid out and measurable
    tracker = tmp_path / "jupyter-settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    log = (tmp_path / "jupyter.log").open("w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"jupyter lab exited early:\n{(tmp_path / 'jupyter.log').read_text()}"
                )
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"jupyter lab did not answer within {START_TIMEOUT}s")
            time.sleep(0.3)
        yield Lab(url=url, token=token, root=root, home=home, process=proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def lab_page(lab):
    """A Playwright page in headless Debian chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(RUN_TIMEOUT_MS)
            yield page
        finally:
            browser.close()


def open_notebook(page, lab: Lab, name: str) -> None:
    """Open ``name`` in JupyterLab (fresh workspace) and wait for its kernel to be idle."""
    page.goto(lab.notebook_url(name))
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    accept_kernel_dialog(page)
    wait_idle(page)


def accept_kernel_dialog(page, timeout_ms: int = 5_000) -> None:
    """Accept JupyterLab's "Select Kernel" dialog (preselected: the notebook's python3) if shown."""
    dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
    try:
        dialog.wait_for(state="visible", timeout=timeout_ms)
    except Exception:  # no dialog: the kernel started on its own
        return
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    dialog.wait_for(state="hidden")


def wait_idle(page) -> None:
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']")


def click_menu(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=menu).first.click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def run_all_cells(page) -> None:
    """Run > Run All Cells, then wait until the kernel is idle and every cell has run."""
    click_menu(page, "Run", "Run All Cells")
    page.wait_for_timeout(500)
    wait_idle(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]"
        ".every(p => /\\[\\d+\\]/.test(p.textContent))",
        timeout=RUN_TIMEOUT_MS,
    )
    wait_idle(page)


def shutdown_kernels(lab: Lab) -> None:
    """Shut down every kernel of ``lab`` (between notebooks, so idle kernels do not pile up)."""
    with urllib.request.urlopen(f"{lab.url}/api/kernels?token={lab.token}", timeout=10) as r:
        kernels = json.load(r)
    for kernel in kernels:
        req = urllib.request.Request(
            f"{lab.url}/api/kernels/{kernel['id']}?token={lab.token}", method="DELETE"
        )
        with urllib.request.urlopen(req, timeout=30):
            pass


def error_outputs(page) -> list[str]:
    return page.locator(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
    ).all_inner_texts()


def write_notebook(lab: Lab, name: str, cells: list[str]) -> None:
    """Write a notebook of code ``cells`` into the lab's folder (for tests that build their own)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, lab.root / name)


def restart_kernel(page, *, clear_outputs: bool = False) -> None:
    """Kernel > Restart Kernel (optionally clearing outputs), confirm, wait until idle."""
    item = "Restart Kernel and Clear Outputs of All Cells" if clear_outputs else "Restart Kernel…"
    click_menu(page, "Kernel", item)
    page.locator(".jp-Dialog .jp-mod-accept").click()
    page.wait_for_timeout(500)
    wait_idle(page)
