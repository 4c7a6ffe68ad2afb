"""A JupyterLab server and a lesson open in it, for tests/test_jupyterlab.py.

``LabServer`` runs JupyterLab on a free loopback port with a token, on a copy of the notebooks, with
its own runtime, config, data and IPython folders, so that nothing outside a temporary folder
changes. ``LessonPage`` is one notebook open in a Playwright page: it runs all cells, waits for the
kernel, finds cells by their source, reads figures from the DOM (plotly keeps the figure on its
div) and the kernel's values (silent user expressions), and collects every error a learner could
see or miss: error outputs, tracebacks sent by widget callbacks, the status bar's log counter and
uncaught exceptions in the page.
"""
from __future__ import annotations

import ast
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from helpers.figure_labels import label_problems, scene_problems

REPOSITORY = Path(__file__).resolve().parents[2]
# JupyterLab's own settings for a quiet, offline session: no news or update checks (a toast
# asking about them would cover the notebook)
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                          "checkForUpdates": False},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LabServer:
    """JupyterLab serving ``root`` (a copy of notebooks/); kernels import this checkout's package."""

    folder: Path
    root: Path
    token: str = "ddhpose-lab-test"
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def start(self, timeout: float = 180.0) -> None:
        config = self.folder / "config"
        for name, settings in USER_SETTINGS.items():
            path = config / "lab" / "user-settings" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(settings))
        env = {key: value for key, value in os.environ.items() if not key.startswith("JUPYTER")}
        env.update(
            PYTHONPATH=os.pathsep.join(filter(None, [str(REPOSITORY), os.environ.get("PYTHONPATH")])),
            DDHPOSE_QUICK="1",  # lesson 05 trains its short version
            JUPYTER_CONFIG_DIR=str(config), JUPYTER_RUNTIME_DIR=str(self.folder / "runtime"),
            JUPYTER_DATA_DIR=str(self.folder / "data"), IPYTHONDIR=str(self.folder / "ipython"),
            PYDEVD_DISABLE_FILE_VALIDATION="1",
        )
        args = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
                "--ServerApp.port_retries=0", f"--ServerApp.token={self.token}",
                f"--ServerApp.root_dir={self.root}", "--LabApp.expose_app_in_browser=True"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--allow-root")
        with open(self.log, "wb") as log:
            # a session of its own, so that stop() can end the server and its kernels together
            self.process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                self.api("/api/status")
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.5)
        raise TimeoutError(f"JupyterLab did not answer /api/status in {timeout:.0f} s:\n{self.log_tail()}")

    def api(self, path: str, method: str = "GET", timeout: float = 30.0):
        request = urllib.request.Request(self.url + path, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def kernels(self) -> list[dict]:
        return self.api("/api/kernels")

    def shutdown_kernel(self, kernel_id: str) -> None:
        try:
            self.api(f"/api/kernels/{kernel_id}", method="DELETE", timeout=60)
        except urllib.error.HTTPError as error:
            if error.code != 404:  # already gone
                raise

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            for kernel in self.kernels():
                self.shutdown_kernel(kernel["id"])
            self.api("/api/shutdown", method="POST")
            self.process.wait(timeout=30)
        except (OSError, urllib.error.URLError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGTERM)  # the server's own session: it and its kernels
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:]) if self.log.exists() else ""


# ---------------------------------------------------------------- a lesson in the browser

# JavaScript run in the page. `window.__lesson` is the NotebookPanel of the lesson under test.

_WATCH_KERNEL = """() => {
  const panel = window.__lesson, kernel = panel.sessionContext.session.kernel;
  window.__kernelErrors = [];
  kernel.iopubMessage.connect((_, msg) => {  // every traceback, also from widget callbacks (comm_msg)
    const c = msg.content, type = msg.header.msg_type;
    if (type === 'error' || (type === 'stream' && c.name === 'stderr' && c.text.includes('Traceback')))
      window.__kernelErrors.push({parent: msg.parent_header.msg_type,
                                  text: type === 'error' ? c.ename + ': ' + c.evalue : c.text.slice(-500)});
  });
}"""

_MARK_OUTPUT = """([snippet, selector, mark]) => {
  // the last top-level output of the one code cell containing `snippet` that is or holds `selector`
  // (outputs nested in widgets do not count), marked with data-test-output for plain CSS locators
  const cells = window.__lesson.content.widgets.filter(c => c.model.type === 'code' && c.model.sharedModel.getSource().includes(snippet));
  if (cells.length !== 1) return `expected one code cell containing ${JSON.stringify(snippet)}, found ${cells.length}`;
  const outputs = [...cells[0].node.querySelectorAll('.jp-Cell-outputArea > .jp-OutputArea-child > .jp-OutputArea-output')]
    .filter(o => o.matches(selector) || o.querySelector(selector));
  if (!outputs.length) return null;  // not rendered yet
  outputs.at(-1).dataset.testOutput = mark;
  return 'ok';
}"""

_MARK_CONTROL = """([output, kind, label, mark]) => {
  const found = [...output.querySelectorAll('.' + kind)].filter(c => c.querySelector('label.widget-label')?.textContent.trim() === label);
  if (found.length === 1) found[0].dataset.testControl = mark;
  return found.length;
}"""

PLOTS_OF = "const plotsOf = o => o.matches('.js-plotly-plot') ? [o] : [...o.querySelectorAll('.js-plotly-plot')];"
"""JavaScript: plotsOf(output), the plotly divs of an output (a plot rendered from its MIME type is the output)."""
_PLAIN = "const plain = v => (Array.isArray(v) || ArrayBuffer.isView(v)) ? Array.from(v, plain) : (v ?? null);"

FIGURES = PLOTS_OF + _PLAIN + """
return plotsOf(element).map(gd => ({
  title: gd.layout?.title?.text ?? gd._fullLayout?.title?.text ?? null,
  drawnTitle: gd.querySelector('.gtitle')?.textContent.replace(/\\u200b/g, '') ?? null,
  traces: gd.data.map(t => ({name: t.name ?? null, x: plain(t.x), y: plain(t.y), z: plain(t.z),
                             customdata: plain(t.customdata), symbol: plain(t.marker?.symbol)})),
  sliders: (gd._fullLayout?.sliders ?? []).map(s => s.active),
}));"""

_OUTSIDE = """(tolerance) => {
  // every plot (its div, SVG layers, colour bars, legends, texts, canvases) and every widget must lie
  // inside the output area that holds it; one report per figure and kind of part, the worst overflow
  const problems = new Map();
  const parts = '.js-plotly-plot, .js-plotly-plot svg.main-svg, .js-plotly-plot g.colorbar, .js-plotly-plot g.legend, '
              + '.js-plotly-plot text, .js-plotly-plot canvas, .jupyter-widgets';
  for (const output of window.__lesson.node.querySelectorAll('.jp-OutputArea-output')) {
    const area = output.getBoundingClientRect();
    for (const element of output.querySelectorAll(parts)) {
      const box = element.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      const overflow = Math.max(area.left - box.left, box.right - area.right, area.top - box.top, box.bottom - area.bottom);
      if (overflow <= tolerance) continue;
      const gd = element.closest('.js-plotly-plot');
      const figure = gd ? (gd.layout?.title?.text ?? 'untitled figure') : 'widget';
      const part = element.tagName.toLowerCase() + '.' + (element.getAttribute('class') || '').split(' ')[0];
      const key = figure + '|' + part, seen = problems.get(key);
      if (!seen || seen.overflow < overflow)
        problems.set(key, {figure, part, text: (element.textContent || '').slice(0, 30), overflow: Math.round(overflow),
                           box: [box.left, box.top, box.right, box.bottom].map(Math.round),
                           area: [area.left, area.top, area.right, area.bottom].map(Math.round)});
    }
  }
  return [...problems.values()];
}"""

_UNDRAWN = """() => {
  // every plotly figure a cell output holds (in the notebook's model) is drawn in the page
  const MIME = 'application/vnd.plotly.v1+json', missing = [];
  let expected = 0;
  for (const cell of window.__lesson.content.widgets.filter(c => c.model.type === 'code')) {
    const outputs = cell.model.outputs;
    const want = [...Array(outputs.length).keys()].filter(i => MIME in outputs.get(i).data).length;
    const drawn = [...cell.node.querySelectorAll('.jp-Cell-outputArea > .jp-OutputArea-child > .jp-OutputArea-output')]
      .map(o => o.matches('.js-plotly-plot') ? o : o.querySelector('.js-plotly-plot'))
      .filter(gd => gd?._fullLayout && gd.querySelector('svg.main-svg') && gd.getBoundingClientRect().width > 0).length;
    expected += want;
    if (drawn < want)
      missing.push(`the cell "${cell.model.sharedModel.getSource().slice(0, 80)}...": ${want - drawn} of ${want} figures not drawn`);
  }
  return {expected, missing};
}"""

_ERROR_OUTPUTS = """() => {
  // textContent, not innerText: cells out of view are not rendered (content-visibility)
  const found = [];
  for (const output of window.__lesson.node.querySelectorAll('.jp-OutputArea-output')) {
    const text = output.textContent || '';
    const stderr = output.dataset.mimeType === 'application/vnd.jupyter.stderr';
    if ((stderr && /Traceback|Error/.test(text)) || /Traceback \\(most recent call last\\)|Error displaying widget|Error rendering/.test(text)) {
      const source = output.closest('.jp-Cell')?.querySelector('.jp-InputArea-editor')?.textContent ?? '';
      found.push(`in the cell "${source.slice(0, 80)}...": ${text.slice(-600)}`);
    }
  }
  return found;
}"""

_STATUS_BAR = """() => {
  const log = document.querySelector('.jp-LogConsoleStatusItem');
  const notices = document.querySelector('.jp-Notification-Status');
  return {log: log && !log.classList.contains('lm-mod-hidden') ? log.innerText.trim() : '',
          notifications: notices ? notices.innerText.trim() : '',
          dialogs: [...document.querySelectorAll('.jp-Dialog')].map(d => d.innerText.slice(0, 200))};
}"""

_KERNEL_VALUE = """async (expression) => {
  const kernel = window.__lesson.sessionContext.session.kernel;
  const reply = await kernel.requestExecute({code: '', silent: true, store_history: false,
                                             user_expressions: {value: expression}}).done;
  const value = reply.content.user_expressions.value;
  return value.status === 'ok' ? {text: value.data['text/plain']} : {error: value.ename + ': ' + value.evalue};
}"""


class LessonPage:
    """One lesson open in JupyterLab in ``page`` (a Playwright page at the learner's window size)."""

    def __init__(self, server: LabServer, page, notebook: str, *, screenshots: Path | None = None,
                 step_timeout_ms: float = 120_000, run_timeout_ms: float = 600_000):
        self.server, self.page, self.notebook, self.screenshots = server, page, notebook, screenshots
        self.timeout_ms, self.run_timeout_ms = step_timeout_ms, run_timeout_ms
        self.kernel_id: str | None = None
        self.started, self.timeline = time.monotonic(), []  # (seconds since the page opened, what was done)
        page.set_default_timeout(step_timeout_ms)
        self.page_errors: list[str] = []
        self.console_errors: list[str] = []
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("console", lambda message: self.console_errors.append(message.text)
                if message.type == "error" else None)

    # -- opening and running

    def open(self) -> None:
        """Open the notebook in a workspace of its own (JupyterLab's default layout: file browser open)."""
        stem = Path(self.notebook).stem
        self.page.goto(f"{self.server.url}/lab/workspaces/{stem}/tree/{self.notebook}?token={self.server.token}")
        self.page.wait_for_function(
            """(path) => { const app = window.jupyterapp; if (!app) return false;
                const panel = [...app.shell.widgets('main')].find(w => w.context?.path === path);
                if (!panel?.sessionContext.session?.kernel || panel.sessionContext.session.kernel.status !== 'idle') return false;
                window.__lesson = panel; return true; }""",
            arg=self.notebook, timeout=self.run_timeout_ms, polling=250)
        self.kernel_id = self.page.evaluate("window.__lesson.sessionContext.session.kernel.id")
        self.page.evaluate(_WATCH_KERNEL)

    def run_all(self) -> None:
        """Run > Run All Cells, then wait until every cell has run and the kernel is idle."""
        self.page.evaluate("""() => { window.__runAll = null;
            window.jupyterapp.commands.execute('notebook:run-all-cells')
              .then(ok => { window.__runAll = {ok}; }, error => { window.__runAll = {error: String(error)}; }); }""")
        self.page.wait_for_function("() => window.__runAll !== null", timeout=self.run_timeout_ms, polling=500)
        self.wait_idle()

    def wait_idle(self) -> None:
        """Until the kernel is idle with no cell queued (fails at once if the kernel died)."""
        state = self.page.wait_for_function(
            """() => { const k = window.__lesson.sessionContext.session?.kernel;
                const queued = [...window.__lesson.node.querySelectorAll('.jp-InputPrompt')].some(e => e.textContent.includes('*'));
                if (!k || ['dead', 'restarting', 'autorestarting'].includes(k.status)) return {status: k?.status ?? 'none'};
                return k.status === 'idle' && k.connectionStatus === 'connected' && !queued ? {status: 'idle'} : false; }""",
            timeout=self.timeout_ms, polling=200).json_value()
        assert state["status"] == "idle", f"{self.notebook}: the kernel is {state['status']}"

    def wait_until(self, predicate: str, arg=None, what: str = "") -> None:
        """Until the JavaScript ``predicate`` (a function of ``arg``) holds and the kernel is idle;
        on a timeout, fail saying ``what`` was expected."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        try:
            self.page.wait_for_function(predicate, arg=arg, timeout=self.timeout_ms, polling=200)
        except PlaywrightTimeout:
            raise AssertionError(f"{self.notebook}: timed out waiting for {what or predicate}") from None
        self.wait_idle()

    # -- finding things

    def output(self, snippet: str, selector: str = ".js-plotly-plot"):
        """The output of the one code cell containing ``snippet`` that is or holds ``selector``
        (its last one; outputs nested in widgets do not count), once rendered, scrolled into view."""
        mark = re.sub(r"\W+", "-", snippet).strip("-")[:40]
        found = self.page.wait_for_function(_MARK_OUTPUT, arg=[snippet, selector, mark], timeout=self.timeout_ms,
                                            polling=250).json_value()
        assert found == "ok", f"{self.notebook}: {found}"
        output = self.page.locator(f'[data-test-output="{mark}"]')
        output.scroll_into_view_if_needed()
        return output

    def control(self, output, kind: str, label: str):
        """The control of ``kind`` (a CSS class: widget-hslider, widget-dropdown, widget-toggle-buttons)
        described by ``label`` in ``output``."""
        mark = re.sub(r"\W+", "-", f"{kind}-{label}")
        count = output.evaluate(f"(output, args) => ({_MARK_CONTROL})([output, ...args])", [kind, label, mark])
        assert count == 1, f"{self.notebook}: expected one {kind} labelled {label!r}, found {count}"
        return self.page.locator(f'[data-test-control="{mark}"]')

    # -- reading

    @staticmethod
    def figures(element) -> list[dict]:
        """Every plotly figure in ``element``: layout title, drawn title text, traces, slider positions."""
        return element.evaluate("element => {" + FIGURES + "}")

    def kernel_value(self, expression: str):
        """The value of a Python expression that returns JSON text, evaluated silently in the kernel."""
        reply = self.page.evaluate(_KERNEL_VALUE, expression)
        assert "error" not in reply, f"{self.notebook}: {expression} raised {reply['error']}"
        return json.loads(ast.literal_eval(reply["text"]))

    def kernel_figure(self, expression: str) -> list[dict]:
        """The traces of a figure object in the kernel, in the form ``figures`` reads them."""
        code = (f"__import__('json').dumps([dict(name=t.name, x=getattr(t, 'x', None), y=getattr(t, 'y', None), "
                f"z=getattr(t, 'z', None), customdata=getattr(t, 'customdata', None)) for t in ({expression}).data], "
                f"default=lambda o: o.tolist())")
        return self.kernel_value(code)

    # -- what must hold

    def errors(self) -> list[str]:
        """Everything that went wrong where a learner would see it (or would have to look for it)."""
        found = [f"error output: {text}" for text in self.page.evaluate(_ERROR_OUTPUTS)]
        found += [f"kernel traceback (from {e['parent']}): {e['text']}" for e in self.page.evaluate("window.__kernelErrors")]
        status = self.page.evaluate(_STATUS_BAR)
        if status["log"] not in ("", "0"):
            found.append(f"the status bar's log console counter shows {status['log']}")
        if status["notifications"] not in ("", "0"):
            found.append(f"the status bar shows {status['notifications']} notifications")
        found += [f"dialog: {text}" for text in status["dialogs"]]
        found += [f"uncaught exception in the page: {text}" for text in self.page_errors]
        found += [f"console error: {text}" for text in self.console_errors]
        return found

    def undrawn_figures(self) -> dict:
        """{'expected': how many plotly figures the cells' outputs hold, 'missing': the cells whose
        figures the page did not draw}."""
        return self.page.evaluate(_UNDRAWN)

    def figures_outside_their_output(self, tolerance: float = 2.0) -> list[dict]:
        return self.page.evaluate(_OUTSIDE, tolerance)

    def unreadable_labels(self, tolerance: float = 2.0) -> dict[str, list[str]]:
        """{figure title: its labels outside the figure, cut or overlapping} for every plotly figure of
        the lesson (``helpers.figure_labels``: boxes of the SVG plotly.js drew)."""
        return label_problems(self.page.evaluate_handle("window.__lesson.node"), tolerance)

    def cut_3d_scenes(self) -> dict[str, list[str]]:
        """{figure title / scene: the edges it is cut at} for every 3D scene of the lesson (its WebGL
        axes, ticks and titles are no SVG: measured on a screenshot, ``figure_labels.scene_problems``)."""
        return scene_problems(self.page, self.page.evaluate_handle("window.__lesson.node"))

    def note(self, what: str) -> None:
        """Record in the timeline that ``what`` is done (written next to the screenshots)."""
        self.timeline.append((time.monotonic() - self.started, what))

    def close(self) -> None:
        """Close the page and shut the lesson's kernel down; write the timeline next to the screenshots."""
        if self.screenshots is not None:
            lines = [f"{seconds:7.1f} s  {what}" for seconds, what in self.timeline]
            (self.screenshots / f"{Path(self.notebook).stem}-timeline.txt").write_text("\n".join(lines) + "\n")
        self.page.close()
        if self.kernel_id:
            self.server.shutdown_kernel(self.kernel_id)
