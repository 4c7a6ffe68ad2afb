"""Headless Chromium for the browser tests: Debian's ``chromium`` driven by Playwright (never a
browser Playwright downloads). Without chromium or the ``playwright`` package the tests are skipped
with the reason, unless ``DDHPOSE_BROWSER_TESTS=required`` (as in CI), which turns a skip into a failure.
"""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager

import pytest

CHROMIUM = shutil.which(os.environ.get("DDHPOSE_CHROMIUM") or "chromium") or shutil.which("chromium-browser")
"""The chromium executable: $DDHPOSE_CHROMIUM if it is one, else Debian's chromium; None without one."""
REQUIRED = os.environ.get("DDHPOSE_BROWSER_TESTS") == "required"
FLAGS = (
    "--no-sandbox",  # needed as root
    # an offline machine: no update checks, syncing or QUIC that would only spam refused connections
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-quic",
    "--enable-unsafe-swiftshader", "--use-angle=swiftshader",  # WebGL (scatter3d) without a GPU
)


def unavailable(reason: str):
    """Skip (or, with DDHPOSE_BROWSER_TESTS=required, fail) because the browser cannot run."""
    if REQUIRED:
        pytest.fail(f"DDHPOSE_BROWSER_TESTS=required but {reason}")
    pytest.skip(reason)


@contextmanager
def chromium(*, scrollbars: bool = False):
    """A headless Chromium browser (Playwright's sync API). ``scrollbars=True`` keeps classic
    scrollbars, which take their width from the page as in a desktop Chrome on Linux or Windows
    (Playwright hides them by default in headless mode)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    if CHROMIUM is None:
        unavailable("no chromium executable found (apt install chromium, or set DDHPOSE_CHROMIUM to one)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(FLAGS),
                                             ignore_default_args=["--hide-scrollbars"] if scrollbars else None)
        try:
            yield browser
        finally:
            browser.close()


FRAME_SHOWN = """(gd, slider) => {
  // does plotly figure `gd` show the animation frame its slider `slider` is on (data and title)?
  const active = gd._fullLayout.sliders[slider].active;
  const name = gd._fullLayout.sliders[slider].steps[active].args[0][0];
  const frame = gd._transitionData._frames.find(f => f.name === name);
  const traces = frame.traces || frame.data.map((_, i) => i);
  const same = (a, b) => JSON.stringify(Array.from(a ?? [])) === JSON.stringify(Array.from(b ?? []));
  const mismatched = [];
  frame.data.forEach((d, i) => ['x', 'y', 'z'].forEach(key => {
    const shown = gd.data[traces[i]];
    if (d[key] !== undefined && !(shown && same(d[key], shown[key]))) mismatched.push(`trace ${traces[i]}.${key}`);
  }));
  const title = frame.layout && frame.layout.title && frame.layout.title.text;
  return {active, last: gd._fullLayout.sliders[slider].steps.length - 1, name, mismatched,
          titleFollows: title === undefined || title === gd._fullLayout.title.text};
}"""
"""JavaScript: a function of a plotly div and a slider index, for page.evaluate."""
