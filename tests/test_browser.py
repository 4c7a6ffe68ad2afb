"""The kernel-free figures in a real browser: headless Chromium driven by Playwright.

Python-side tests check the figures' JSON; these check what a reader of a static page sees.
Each lesson's slider figure is written as a self-contained HTML page (plotly.js inline, as on an
offline machine), loaded, and driven by mouse clicks on its slider rails and play button. After
a click the plotted traces must equal the chosen frame's data, the title must follow the frame,
and the pixels must change. The only page error allowed is plotly.js's bare ``undefined``
promise rejection, which any plotly animation raises (even a two-point figure).

Needs Debian's ``chromium`` and the ``playwright`` package (the ``browser`` extra, which ``dev.py``
installs when it finds a chromium). Without them these tests are skipped, unless
``DDHPOSE_BROWSER_TESTS=required`` (as in CI), which turns a skip into a failure
(``helpers/chromium.py``, shared with ``test_jupyterlab.py``).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import make_result
from helpers.chromium import FRAME_SHOWN, chromium

from ddhpose_lite import viz
from ddhpose_lite.bones import compose, disentangle, rest_pose
from ddhpose_lite.diffusion import Schedule, bone_state, ddim_sample, forward_path, split_bone_state
from ddhpose_lite.model import DenoiserConfig, HSTDenoiser, capture_attention

PLOTLY_INTERRUPTED = "undefined"  # plotly.js rejects an animation promise with undefined


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


# ---------------------------------------------------------------- one figure per lesson


def _clip(frames: int = 8) -> torch.Tensor:
    t = torch.linspace(0, 1, frames)[:, None, None]
    return rest_pose() + 0.1 * torch.sin(6 * t + torch.arange(17.0)[None, :, None])


def _noising():
    schedule, pose = Schedule.cosine(), rest_pose()
    path = forward_path(pose, [0, 100, 400, 999], schedule, seed=0)
    return viz.noising_explorer(path.bones_pose, path.joints, path.t, schedule.alpha_bar, reference=pose)


def _ddim():
    schedule, pose = Schedule.cosine(), rest_pose()
    x0 = bone_state(*disentangle(pose))
    run = ddim_sample(lambda x_t, t: x0.expand_as(x_t), (16, 4), schedule, steps=3, hypotheses=2, seed=0)
    as_pose = lambda states: compose(*split_bone_state(states))  # noqa: E731
    return viz.ddim_trajectory(as_pose(run.x0[:, 0]), as_pose(run.xt[:, 0]), run.times, schedule.alpha_bar,
                               truth=pose)


def _attention():
    torch.manual_seed(0)
    model = HSTDenoiser(DenoiserConfig(frames=5, width=16, depth=2, heads=2)).eval()
    g = torch.Generator().manual_seed(0)
    with torch.no_grad(), capture_attention(model) as maps:
        prediction = model(torch.randn(1, 5, 17, 2, generator=g), torch.randn(1, 5, 16, 4, generator=g),
                           torch.full((1,), 500))
    return viz.attention_browser(maps, prediction[0], frame=1)


def _perturbation():
    pose, g = rest_pose(), torch.Generator().manual_seed(0)
    steps = {f"{s}": (pose + s * torch.randn(17, 3, generator=g), {"error": np.full(6, s)}) for s in (0.01, 0.05, 0.1)}
    return viz.perturbation_explorer(pose, steps)


FIGURES = {
    "01-02 animate_clip (3D)": lambda: viz.animate_clip(_clip()),
    "02 keypoints_2d clip": lambda: viz.keypoints_2d(_clip()[..., :2]),
    "02 perturbation_explorer": _perturbation,
    "03 noising_explorer": _noising,
    "03 ddim_trajectory": _ddim,
    "04 attention_browser": _attention,
    "06 hypothesis_explorer": lambda: viz.hypothesis_explorer(make_result(), frames=[0, 3, 5]),
    "08 hypothesis_explorer over video frames": lambda: _over_video(),
}


def _over_video():
    """The lift with a picture behind the 2D panel per frame (a plain colour each: SVG data URIs)."""
    result = make_result()
    colours = ["#d62728", "#2ca02c", "#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
    pictures = [f"data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='64' height='48'>"
                f"<rect width='64' height='48' fill='%23{colours[f % len(colours)][1:]}'/></svg>" for f in range(result.frames)]
    return viz.hypothesis_explorer(result, backgrounds=pictures, image_size=(640, 480), frames=[0, 3, 5])

_FRAME_MATCHES = f"""([slider]) => ({FRAME_SHOWN})(document.getElementById('fig'), slider)"""


def _plot_pixels(page) -> bytes:
    """A screenshot of the plot above the slider and buttons (which move by themselves)."""
    figure = page.locator("#fig").bounding_box()
    controls = page.locator(".slider-container, .updatemenu-container")
    bottom = min([controls.nth(i).bounding_box()["y"] for i in range(controls.count())]
                 + [figure["y"] + figure["height"]])
    return page.screenshot(clip=dict(x=figure["x"], y=figure["y"], width=figure["width"], height=bottom - figure["y"]))


def _open(browser, tmp_path, fig):
    path = tmp_path / "figure.html"
    fig.write_html(path, include_plotlyjs=True, full_html=True, div_id="fig",
                   config={"displayModeBar": False})  # hover toolbars would change pixels too
    page = browser.new_page(viewport={"width": 1000, "height": 760})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    page.wait_for_function("document.getElementById('fig') && document.getElementById('fig')._fullLayout")
    return page, errors


def _wait_for_frame(page, slider: int, target: int, timeout_ms: float = 15_000) -> None:
    """Until plotly shows step ``target`` of slider ``slider`` (it animates asynchronously, slowly
    on a loaded machine); on a timeout the caller's assertions say what is wrong."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    shown = f"""([slider, target]) => {{ const s = ({_FRAME_MATCHES})([slider]);
        return s.active === target && s.mismatched.length === 0 && s.titleFollows; }}"""
    try:
        page.wait_for_function(shown, arg=[slider, target], timeout=timeout_ms)
    except PlaywrightTimeout:
        pass


@pytest.mark.parametrize("name", list(FIGURES))
def test_slider_click_shows_the_chosen_frame(browser, tmp_path, name):
    fig = FIGURES[name]()
    assert fig.frames and fig.layout.sliders, f"{name} has no frames or sliders"
    page, errors = _open(browser, tmp_path, fig)
    try:
        assert page.evaluate("document.getElementById('fig')._fullData.length") == len(fig.data)
        rails = page.locator(".slider-rail-rect")
        assert rails.count() == len(fig.layout.sliders)
        for slider in range(len(fig.layout.sliders)):
            steps = fig.layout.sliders[slider].steps
            before_state = page.evaluate(f"document.getElementById('fig')._fullLayout.sliders[{slider}].active")
            before = _plot_pixels(page)
            box = rails.nth(slider).bounding_box()
            target = len(steps) - 1 if before_state != len(steps) - 1 else 0  # the far end from where it is
            page.mouse.click(box["x"] + box["width"] * (target + 0.5) / len(steps), box["y"] + box["height"] / 2)
            page.mouse.move(0, 0)  # no hover labels in the screenshot
            _wait_for_frame(page, slider, target)
            state = page.evaluate(_FRAME_MATCHES, [slider])
            assert state["active"] == target, f"{name}: slider {slider} went to step {state['active']}, not {target}"
            assert not state["mismatched"], f"{name}: frame {state['name']} not shown in {state['mismatched']}"
            assert state["titleFollows"], f"{name}: the title did not follow frame {state['name']}"
            changed = _plot_pixels(page) != before
            assert changed, f"{name}: no pixel of the plot changed after slider {slider}"
        assert [e for e in errors if e != PLOTLY_INTERRUPTED] == []
    finally:
        page.close()


def test_play_button_advances_the_clip(browser, tmp_path):
    fig = viz.animate_clip(_clip(frames=30), fps=25)
    page, errors = _open(browser, tmp_path, fig)
    try:
        before = _plot_pixels(page)
        page.get_by_text("\u25b6").click()
        page.mouse.move(0, 0)
        page.wait_for_function("document.getElementById('fig')._fullLayout.sliders[0].active > 0", timeout=15_000)
        active = page.evaluate("document.getElementById('fig')._fullLayout.sliders[0].active")
        assert active > 0, "the play button did not advance the slider"
        changed = _plot_pixels(page) != before
        assert changed, "the clip did not move while playing"
        assert page.evaluate(_FRAME_MATCHES, [0])["mismatched"] == []
        assert [e for e in errors if e != PLOTLY_INTERRUPTED] == []
    finally:
        page.close()


def test_the_video_frame_behind_the_2d_panel_follows_the_frame_slider(browser, tmp_path):
    fig = _over_video()
    page, errors = _open(browser, tmp_path, fig)
    drawn = "() => [...document.querySelectorAll('#fig .imagelayer image')].map(i => i.getAttribute('href'))"
    try:
        start = page.evaluate(drawn)
        assert start == [fig.layout.images[0].source], "the first view's picture is not drawn behind the 2D panel"
        rail = page.locator(".slider-rail-rect").nth(1).bounding_box()  # slider 2: clip frames 0, 3, 5
        page.mouse.click(rail["x"] + rail["width"] * 2.5 / 3, rail["y"] + rail["height"] / 2)
        _wait_for_frame(page, 1, 2)
        expected = [f for f in fig.frames if f.name.endswith("f5")][0].layout.images[0].source
        page.wait_for_function(f"() => ({drawn})()[0] === {expected!r}", timeout=15_000)
        assert page.evaluate(drawn) == [expected] and expected != start[0]
        assert [e for e in errors if e != PLOTLY_INTERRUPTED] == []
    finally:
        page.close()
