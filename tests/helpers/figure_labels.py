"""Is every label of a plotly figure visible? Measured on the SVG plotly.js draws in a real browser.

``label_problems(element)`` reads, for every plotly figure in ``element`` (a Playwright locator or
element handle: an output area, a page's plot div), the boxes (getBoundingClientRect) of what a
reader must be able to read:

- the title (``.gtitle``), the axis titles (``.xtitle``, ``.ytitle``, ``.x2title``, ...), every tick
  label (``.xtick text``, ``.ytick text``, also of colour bars), each legend as a whole, each
  annotation (subplot titles are annotations too), each colour bar's title, each slider and button
  group as a whole, and the text labels of data points (``.textpoint``);

and reports each label that is not inside the figure, each data label that is cut by its plot area
(plotly clips them there unless ``cliponaxis`` is off), and each pair of labels that overlap, by
more than ``tolerance`` pixels both ways (a pixel or two is antialiasing, or the em boxes of two
lines of text, not a covered letter). Labels inside a legend, slider or button group are not
compared with one another: they are the group's own layout.

3D scenes draw their axes, ticks and axis titles in WebGL, not SVG: the boxes above say nothing
about them. ``scene_edges(page, element)`` measures what can be measured there: the pixels along
each edge of a scene's viewport (its domain). A scene whose axes fit shows the scene's background
there; ink on an edge is something (an axis, its tick labels or title) cut off at that edge.
"""
from __future__ import annotations

import base64

LABEL_BOXES = r"""(root) => {
  const plots = root.matches('.js-plotly-plot') ? [root] : [...root.querySelectorAll('.js-plotly-plot')];
  const text = el => (el.textContent || '').replace(/\u200b/g, '').replace(/\s+/g, ' ').trim();
  const r1 = v => Math.round(v * 10) / 10;
  // the corners of an element's box in page pixels, rotation included (a rotated tick label is a
  // slanted box, not the upright box around it); a line of text without the em box's empty top
  // and bottom (15 % of its height each: letters do not fill it)
  const corners = el => {
    const b = el.getBBox(), m = el.getScreenCTM(), inset = el.tagName === 'text' ? 0.15 * b.height : 0;
    return [[b.x, b.y + inset], [b.x + b.width, b.y + inset], [b.x + b.width, b.y + b.height - inset],
            [b.x, b.y + b.height - inset]].map(([x, y]) => [r1(m.a * x + m.c * y + m.e), r1(m.b * x + m.d * y + m.f)]);
  };
  return plots.map((gd, index) => {
    const full = gd._fullLayout, figure = gd.getBoundingClientRect();
    const title = gd.layout?.title?.text ?? full?.title?.text ?? null;
    const labels = [], areas = {};
    const add = (el, kind, name, extra = {}) => {
      const style = getComputedStyle(el), b = el.getBoundingClientRect();
      if (b.width < 0.5 || b.height < 0.5 || style.visibility === 'hidden' || style.display === 'none'
          || Number(style.opacity) === 0 || (el.tagName === 'text' && !text(el))) return;
      labels.push({kind, name: name ?? text(el).slice(0, 40), corners: corners(el), ...extra});
    };
    for (const [id, plot] of Object.entries(full?._plots ?? {})) {  // cartesian plot areas, for data labels
      const x = plot.xaxis, y = plot.yaxis;
      areas[id] = [figure.left + x._offset, figure.top + y._offset, figure.left + x._offset + x._length,
                   figure.top + y._offset + y._length];
    }
    gd.querySelectorAll('.infolayer .g-gtitle text.gtitle').forEach(el => add(el, 'title'));
    gd.querySelectorAll('.infolayer > g[class^="g-"][class$="title"]:not(.g-gtitle) > text').forEach(el =>
      add(el, 'axis title', undefined, {axis: el.getAttribute('class')}));
    gd.querySelectorAll('g[class$="axislayer-above"] g[class$="tick"] text').forEach(el => {
      const axis = el.closest('g[class$="tick"]').getAttribute('class').replace(/tick$/, '');
      const subplot = el.closest('g.subplot')?.getAttribute('class').split(' ')[1] ?? '';
      add(el, 'tick label', undefined, {axis: `${axis} of ${subplot}`});
    });
    gd.querySelectorAll('.infolayer g.legend').forEach(el => {
      const names = [...el.querySelectorAll('.legendtext')].map(text).join(', ');
      add(el.querySelector('rect.bg') ?? el, 'legend', `(${names.slice(0, 60)})`);
    });
    gd.querySelectorAll('.infolayer g.annotation').forEach(el => add(el.querySelector('.annotation-text-g') ?? el, 'annotation'));
    gd.querySelectorAll('.infolayer g.colorbar').forEach((bar, i) => {
      bar.querySelectorAll('text').forEach(el => add(el, 'colour bar label', undefined, {group: `colour bar ${i}`}));
    });
    gd.querySelectorAll('g.slider-container').forEach((slider, i) => {
      slider.querySelectorAll('text, rect.slider-rail-rect, rect.slider-grip-rect').forEach(el =>
        add(el, 'slider part', el.tagName === 'text' ? undefined : `slider ${i + 1}`, {group: `slider ${i}`}));
    });
    gd.querySelectorAll('g.updatemenu-container').forEach((menu, i) => {
      menu.querySelectorAll('g.updatemenu-button').forEach(el => add(el, 'button', text(el), {group: `buttons ${i}`}));
    });
    gd.querySelectorAll('.scatterlayer g.trace').forEach(trace => {
      const data = trace.__data__?.[0]?.trace;
      const subplot = trace.closest('g.subplot')?.getAttribute('class').split(' ')[1];
      trace.querySelectorAll('g.textpoint text').forEach(el =>
        add(el, 'data label', undefined, {area: data?.cliponaxis === false ? null : (areas[subplot] ?? null)}));
    });
    const scenes = (full?._subplots?.gl3d ?? []).map(id => {
      const d = full[id].domain, s = full._size;
      return {id, box: [figure.left + s.l + d.x[0] * s.w, figure.top + s.t + (1 - d.y[1]) * s.h,
                        figure.left + s.l + d.x[1] * s.w, figure.top + s.t + (1 - d.y[0]) * s.h].map(Math.round)};
    });
    return {index, title, box: [figure.left, figure.top, figure.right, figure.bottom].map(r1), labels, scenes};
  });
}"""


def describe(label: dict) -> str:
    """'the axis title "x (m, right)"', 'the tick label "0.5" of y of xy', 'the legend (a, b)'."""
    kind, name = label["kind"], label["name"]
    if kind == "legend":
        return f"the legend {name}"
    where = f" of {label['axis']}" if kind == "tick label" else ""
    where += f" of {label['group']}" if kind == "slider part" and not name.startswith("slider") else ""
    return f'the {kind} "{name}"{where}'


def penetration(a, b) -> float:
    """How deep two convex quadrilaterals (corners in order) overlap, in px: the least overlap of
    their projections on the four edge normals (separating axis theorem); ≤ 0 when they do not."""
    depth = float("inf")
    for quad in (a, b):
        for (x0, y0), (x1, y1) in zip(quad, quad[1:] + quad[:1]):
            nx, ny = y0 - y1, x1 - x0
            length = (nx * nx + ny * ny) ** 0.5
            if length == 0:
                continue
            pa = [(x * nx + y * ny) / length for x, y in a]
            pb = [(x * nx + y * ny) / length for x, y in b]
            depth = min(depth, min(max(pa), max(pb)) - max(min(pa), min(pb)))
    return depth


def outside(corners, box) -> float:
    """How far the farthest corner lies outside ``box`` [left, top, right, bottom] (≤ 0: inside)."""
    return max(max(box[0] - x, x - box[2], box[1] - y, y - box[3]) for x, y in corners)


def figure_problems(figure: dict, tolerance: float = 2.0, cut_tolerance: float = 0.5) -> list[str]:
    """What is not visible in one figure as ``LABEL_BOXES`` read it: labels outside the figure,
    data labels cut by their plot area (by more than ``cut_tolerance``: a clipped letter), labels
    overlapping one another by more than ``tolerance`` px."""
    problems, labels = [], figure["labels"]
    for label in labels:
        out = outside(label["corners"], figure["box"])
        if out > tolerance:
            problems.append(f"{describe(label)} reaches {out:.0f} px outside the figure")
        if label["kind"] == "data label" and label.get("area"):
            cut = outside(label["corners"], label["area"])
            if cut > cut_tolerance:
                problems.append(f"{describe(label)} is cut {cut:.0f} px by the edge of its plot area")
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            if a.get("group") and a.get("group") == b.get("group"):
                continue  # the parts of one slider, button group or colour bar: their own layout
            depth = penetration(a["corners"], b["corners"])
            if depth > tolerance:
                problems.append(f"{describe(a)} and {describe(b)} overlap ({depth:.0f} px deep)")
    return problems


def label_problems(element, tolerance: float = 2.0) -> dict[str, list[str]]:
    """{figure title (or "figure #i"): its problems} for every plotly figure in ``element`` with any."""
    found = {}
    for figure in element.evaluate(LABEL_BOXES):
        problems = figure_problems(figure, tolerance)
        if problems:
            found[figure["title"] or f"figure #{figure['index'] + 1}"] = problems
    return found


EDGE_INK = r"""async ([png, background, strip]) => {
  // how many pixels along each edge (``strip`` px deep) of a screenshot differ from the background
  const image = new Image();
  image.src = 'data:image/png;base64,' + png;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.width; canvas.height = image.height;
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const {data, width, height} = context.getImageData(0, 0, image.width, image.height);
  const ink = (x, y) => { const i = 4 * (y * width + x);
    return Math.abs(data[i] - background[0]) + Math.abs(data[i + 1] - background[1]) + Math.abs(data[i + 2] - background[2]) > 60; };
  const count = (x0, x1, y0, y1) => { let n = 0;
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (ink(x, y)) n++;
    return n; };
  return {left: count(0, strip, 0, height), right: count(width - strip, width, 0, height),
          top: count(0, width, 0, strip), bottom: count(0, width, height - strip, height)};
}"""


PLACE = r"""el => {
  // [top of el, is el wholly inside the visible part of its scroller (the notebook) or the window?]
  const r = el.getBoundingClientRect();
  let p = el.parentElement;
  while (p && !(p.scrollHeight > p.clientHeight + 1 && /(auto|scroll)/.test(getComputedStyle(p).overflowY))) p = p.parentElement;
  const top = p ? p.getBoundingClientRect().top + p.clientTop : 0, bottom = p ? top + p.clientHeight : innerHeight;
  return [r.top, r.top >= top && r.bottom <= bottom];
}"""


def centre(page, handle, tries: int = 10) -> bool:
    """Scroll ``handle`` to the middle of its scroller (the notebook) and wait until it stays there;
    whether it is then wholly visible. Scrolled only just into view, a scene could end a fraction of
    a pixel past the visible area, and its screenshot's last rows then show the border there; and
    JupyterLab's windowed notebook draws the cells it scrolls past, which moves it again."""
    top = None
    for _ in range(tries):
        handle.evaluate("el => el.scrollIntoView({block: 'center', inline: 'nearest'})")
        page.wait_for_timeout(250)
        now, inside = handle.evaluate(PLACE)
        if now == top:
            return inside
        top = now
    return False


def scene_edges(page, element, strip: int = 2) -> dict[str, dict[str, int]]:
    """{"<figure title> / <scene id>": {edge: how many pixels ``strip`` px deep along it are not
    background}} for every 3D scene of every plotly figure in ``element`` (scrolled to the middle of
    the view for the screenshot). A scene that fits has none; a cut axis, tick label or title leaves
    a few. A scene taller than the view is reported with its edges cut: the page shows it cut too."""
    found = {}
    for figure in element.evaluate(LABEL_BOXES):
        for scene in figure["scenes"]:
            handle = element.evaluate_handle(
                "(root, [index, id]) => { const plots = root.matches('.js-plotly-plot') ? [root] : "
                "[...root.querySelectorAll('.js-plotly-plot')]; return plots[index].querySelector('.gl-container #' + id); }",
                [figure["index"], scene["id"]]).as_element()
            if handle is None:
                continue
            # only the WebGL drawing: the SVG over it (legend, title, annotations, sliders, hover) hidden
            overlays = ".js-plotly-plot .infolayer, .js-plotly-plot .menulayer, .js-plotly-plot .hoverlayer"
            hide = ("(root, [selector, value]) => (root.closest('.js-plotly-plot') ?? root).querySelectorAll(selector)"
                    ".forEach(el => { el.style.visibility = value; })")
            for _ in range(3):  # again if the notebook moved the scene while it was shot
                placed = centre(page, handle)
                handle.evaluate(hide, [overlays.replace(".js-plotly-plot ", ""), "hidden"])
                try:
                    png = handle.screenshot(animations="disabled")
                finally:
                    handle.evaluate(hide, [overlays.replace(".js-plotly-plot ", ""), ""])
                if placed and handle.evaluate(PLACE)[1]:
                    break
            found[f"{figure['title'] or 'figure #' + str(figure['index'] + 1)} / {scene['id']}"] = page.evaluate(
                EDGE_INK, [base64.b64encode(png).decode(), [255, 255, 255], strip])
    return found


def scene_problems(page, element, allowed: int = 2) -> dict[str, list[str]]:
    """{figure title / scene: ["... cut at its left edge (n px of ink there)"]} for 3D scenes with
    more than ``allowed`` inked pixels along an edge (see ``scene_edges``)."""
    found = {}
    for scene, edges in scene_edges(page, element).items():
        cut = [f"the 3D scene is cut at its {edge} edge ({ink} px of axes, ticks or titles there)"
               for edge, ink in edges.items() if ink > allowed]
        if cut:
            found[scene] = cut
    return found
