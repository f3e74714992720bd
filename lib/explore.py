r"""Explorable figures: sliders over trajectories that ``lib`` computes when the book is built.

Each function here runs the book's own optimizers (:mod:`lib.optim`, :func:`lib.train.descend`)
for every value a slider can take, and returns an :class:`Explorable`: a Plotly figure whose
frames hold those precomputed paths. Moving the slider shows another frame; nothing is
recomputed in the browser, so every number a reader sees is the book's.

In the built book the figure is HTML that loads one local copy of plotly.js
(``_vendor/plotly.min.js``, copied there by ``_ext/book_assets.py`` from the ``plotly`` package):
only pages with an explorable figure load it, and no request leaves the book. In JupyterLab the
same object renders through Plotly's own extension.
"""

from __future__ import annotations

import json

import numpy as np

from .optim import GD, Adam, Momentum
from .train import descend

__all__ = ["Explorable", "learning_rate_explorer", "momentum_explorer", "adam_explorer",
           "momentum_rate", "PLOTLY_JS"]

#: where the built book serves plotly.js, relative to a chapter's page (chapters/NAME.html)
PLOTLY_JS = "../_vendor/plotly.min.js"

_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]


class Explorable:
    """A Plotly figure with precomputed frames, shown as offline HTML in the book.

    ``figure`` is the :class:`plotly.graph_objects.Figure`; ``name`` becomes the HTML id
    (``explore-<name>``) that the browser test looks for.
    """

    def __init__(self, figure, name: str, alt: str):
        self.figure = figure
        self.name = name
        self.alt = alt

    @property
    def n_frames(self) -> int:
        return len(self.figure.frames)

    def to_html(self) -> str:
        import plotly.io as pio

        div = pio.to_html(self.figure, include_plotlyjs=PLOTLY_JS, full_html=False,
                          div_id=f"explore-{self.name}", auto_play=False,
                          config={"displaylogo": False, "responsive": True})
        return (f'<figure class="explorable" aria-label="{_escape(self.alt)}">{div}'
                f"<figcaption class=\"sr-only\">{_escape(self.alt)}</figcaption></figure>")

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.to_html(),
                "application/vnd.plotly.v1+json": json.loads(self.figure.to_json())}


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def _contour(valley, bounds=None, resolution=80, levels=18):
    import plotly.graph_objects as go

    (x0, x1), (y0, y1) = bounds if bounds is not None else valley.bounds
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    X, Y = np.meshgrid(xs, ys)
    Z = valley.value(np.stack([X, Y])) - float(valley.value(valley.minimum))
    logz = np.log10(np.maximum(Z, 1e-6)).astype(np.float32)  # float32 halves the page weight
    lo, hi = float(np.percentile(logz, 2)), float(logz.max())
    return go.Contour(x=xs, y=ys, z=logz, showscale=False, hoverinfo="skip",
                      contours=dict(coloring="lines", start=lo, end=hi,
                                    size=(hi - lo) / levels),
                      line=dict(width=0.8), colorscale=[[0, "#999"], [1, "#999"]], name="J")


def _clip(path, bounds, margin=2.0):
    """Keep a diverging path drawable: cut it where it leaves a wide box around the window."""
    (x0, x1), (y0, y1) = bounds
    wx, wy = margin * (x1 - x0), margin * (y1 - y0)
    inside = ((path[:, 0] > x0 - wx) & (path[:, 0] < x1 + wx)
              & (path[:, 1] > y0 - wy) & (path[:, 1] < y1 + wy)
              & np.all(np.isfinite(path), axis=1))
    stop = len(path) if inside.all() else int(np.argmin(inside)) + 1
    return path[:max(stop, 1)]


def _slider(values, label_of, prefix):
    return [dict(active=0, currentvalue=dict(prefix=prefix), pad=dict(t=40),
                 steps=[dict(method="animate", label=label_of(v),
                             args=[[f"f{i}"], dict(mode="immediate", frame=dict(duration=0,
                                                   redraw=True), transition=dict(duration=0))])
                        for i, v in enumerate(values)])]


def _losses(valley, path):
    with np.errstate(over="ignore", invalid="ignore"):
        J = valley.value(path.T) - float(valley.value(valley.minimum))
    J = np.where(np.isfinite(J), J, np.nan)
    return np.maximum(J, 1e-300)


def learning_rate_explorer(valley, theta0, etas, steps: int = 30) -> Explorable:
    """Gradient descent on a quadratic ``valley`` for every ``η`` in ``etas``: the path on the
    contours and the loss against the step, with the slider over η labelled by ηL (GD is stable
    on the steepest direction when ηL < 2)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    L = valley.L
    etas = [float(e) for e in etas]
    runs = [descend(valley, GD(lr=eta), theta0, steps) for eta in etas]
    fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45],
                        subplot_titles=("Path on the contours", "Loss J − J* (log scale)"))
    fig.add_trace(_contour(valley), row=1, col=1)

    def traces(path):
        shown = _clip(path, valley.bounds).astype(np.float32)
        return [go.Scatter(x=shown[:, 0], y=shown[:, 1], mode="lines+markers",
                           marker=dict(size=4, color=_COLORS[0]), line=dict(color=_COLORS[0]),
                           name="path"),
                go.Scatter(x=np.arange(len(path)), y=_losses(valley, path), mode="lines",
                           line=dict(color=_COLORS[1]), name="loss")]

    path_trace, loss_trace = traces(runs[0])
    fig.add_trace(path_trace, row=1, col=1)
    fig.add_trace(loss_trace, row=1, col=2)
    fig.add_trace(go.Scatter(x=[valley.minimum[0]], y=[valley.minimum[1]], mode="markers",
                             marker=dict(symbol="star", size=12, color="black"),
                             name="minimum"), row=1, col=1)
    def verdict(eta, path):
        start, end = (np.linalg.norm(p - valley.minimum) for p in (path[0], path[-1]))
        moving = "closer to" if end < start else "farther from"
        return (f"η = {eta:.2f}, ηL = {eta * L:.2f}: after {steps} steps {end / start:.2g} "
                f"times the starting distance ({moving} the minimum)")

    fig.frames = [go.Frame(name=f"f{i}", data=traces(path), traces=[1, 2],
                           layout=dict(title_text=verdict(eta, path)))
                  for i, (eta, path) in enumerate(zip(etas, runs))]
    (x0, x1), (y0, y1) = valley.bounds
    fig.update_xaxes(range=[x0, x1], title_text="θ₁", row=1, col=1)
    fig.update_yaxes(range=[y0, y1], title_text="θ₂", row=1, col=1)
    fig.update_xaxes(title_text="step", row=1, col=2)
    fig.update_yaxes(type="log", range=[-12, 4], row=1, col=2)
    fig.update_layout(height=460, margin=dict(l=50, r=20, t=80, b=20), showlegend=False,
                      title=dict(text=verdict(etas[0], runs[0]), font=dict(size=13)),
                      sliders=_slider(etas, lambda e: f"{e:.2g}", "η = "))
    alt = (f"Interactive figure: a slider sets the learning rate η from {etas[0]:g} to "
           f"{etas[-1]:g}; the left panel shows gradient descent's path on the contours of "
           f"the valley, the right panel its loss on a log scale. Below ηL = 2 the path "
           f"reaches the minimum; above it the path bounces outward and the loss grows.")
    return Explorable(fig, "learning-rate", alt)


def momentum_rate(eta: float, beta: float, curvatures) -> float:
    r"""The article's momentum on a quadratic: the largest spectral radius, over the given
    curvatures λ, of the iteration matrix of :math:`(\theta^{(k)}, \theta^{(k-1)})`,
    whose characteristic polynomial is :math:`z^2 - (1 + \beta - \eta(1-\beta)\lambda)z + \beta`.
    Below 1 the error shrinks by about this factor per step; above 1 it grows."""
    worst = 0.0
    for lam in curvatures:
        roots = np.roots([1.0, -(1.0 + beta - eta * (1.0 - beta) * lam), beta])
        worst = max(worst, float(np.max(np.abs(roots))))
    return worst


def momentum_explorer(valley, theta0, etas, betas, steps: int = 80) -> Explorable:
    """The article's momentum on ``valley`` for every (η, β) pair: the path on the contours
    (left) and the map of the per-step convergence factor over the (η, β) plane (right), with
    the current pair marked. A slider sets η; buttons set β."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    etas = [float(e) for e in etas]
    betas = [float(b) for b in betas]
    curv = (valley.mu, valley.L)
    paths = [[descend(valley, Momentum(lr=eta, beta=beta), theta0, steps) for beta in betas]
             for eta in etas]
    grid_eta = np.geomspace(min(etas), max(etas), 60)
    grid_beta = np.linspace(0.0, 0.99, 60)
    rate = np.array([[momentum_rate(e, b, curv) for e in grid_eta] for b in grid_beta])
    fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45],
                        subplot_titles=("Path on the contours",
                                        "Convergence factor per step (≥ 1: diverges)"))
    fig.add_trace(_contour(valley), row=1, col=1)
    converging = np.where(rate < 1, rate, np.nan).astype(np.float32)  # diverging: left blank
    fig.add_trace(go.Heatmap(x=grid_eta, y=grid_beta, z=converging, zmin=0, zmax=1,
                             colorscale="Viridis", colorbar=dict(title="factor", len=0.8),
                             hoverinfo="skip"), row=1, col=2)
    fig.add_trace(go.Contour(x=grid_eta, y=grid_beta, z=rate.astype(np.float32),
                             showscale=False, contours=dict(start=1, end=1, size=1,
                                                            coloring="lines"),
                             colorscale=[[0, "black"], [1, "black"]], line=dict(width=2),
                             hoverinfo="skip"), row=1, col=2)

    def traces(i):
        out = []
        for j, beta in enumerate(betas):
            shown = _clip(paths[i][j], valley.bounds).astype(np.float32)
            out.append(go.Scatter(x=shown[:, 0], y=shown[:, 1], mode="lines+markers",
                                  marker=dict(size=3, color=_COLORS[j % 6]),
                                  line=dict(color=_COLORS[j % 6]), visible=j == 0,
                                  name=f"β = {beta:g}"))
        for j, beta in enumerate(betas):
            out.append(go.Scatter(x=[etas[i]], y=[beta], mode="markers", visible=j == 0,
                                  marker=dict(size=14, color="red", symbol="x"),
                                  name=f"(η, β) = ({etas[i]:.3g}, {beta:g})"))
        return out

    first = traces(0)
    for trace in first[:len(betas)]:
        fig.add_trace(trace, row=1, col=1)
    for trace in first[len(betas):]:
        fig.add_trace(trace, row=1, col=2)
    dynamic = list(range(3, 3 + 2 * len(betas)))
    fig.frames = [go.Frame(name=f"f{i}", data=traces(i), traces=dynamic)
                  for i in range(len(etas))]
    buttons = []
    for j, beta in enumerate(betas):
        visible = [True, True, True] + [k == j for k in range(len(betas))] * 2
        buttons.append(dict(label=f"β = {beta:g}", method="restyle",
                            args=[{"visible": visible}]))
    (x0, x1), (y0, y1) = valley.bounds
    fig.update_xaxes(range=[x0, x1], title_text="θ₁", row=1, col=1)
    fig.update_yaxes(range=[y0, y1], title_text="θ₂", row=1, col=1)
    fig.update_xaxes(type="log", title_text="η (log scale)", row=1, col=2)
    fig.update_yaxes(title_text="β", range=[0, 0.99], row=1, col=2)
    fig.update_layout(height=470, margin=dict(l=50, r=20, t=90, b=20), showlegend=False,
                      updatemenus=[dict(type="buttons", direction="right", x=0, y=1.22,
                                        xanchor="left", buttons=buttons, showactive=True)],
                      sliders=_slider(etas, lambda e: f"{e:.3g}", "η = "))
    alt = (f"Interactive figure: buttons choose β among {', '.join(f'{b:g}' for b in betas)} "
           f"and a slider sets η from {etas[0]:.3g} to {etas[-1]:.3g}. Left: the article's "
           f"momentum path on the narrow valley. Right: a map over the (η, β) plane of the "
           f"factor by which the error shrinks per step, with a black line where it reaches 1 "
           f"(beyond it, in the blank region, the walk diverges) and a red cross at the chosen pair.")
    return Explorable(fig, "momentum", alt)


def _adam_without_correction(valley, theta0, lr, beta1, beta2, eps, steps):
    """Adam's update with the bias correction left out (m/(√v + ε)): the cold start ch. 7 fixes."""
    theta = np.array(theta0, dtype=float)
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    path = [theta.copy()]
    for _ in range(steps):
        g = valley.grad(theta)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        theta = theta - lr * m / (np.sqrt(v) + eps)
        path.append(theta.copy())
    return np.array(path)


def adam_explorer(valley, theta0, lr: float, beta2s, beta1: float = 0.9, eps: float = 1e-8,
                  steps: int = 60) -> Explorable:
    """Adam on ``valley`` with and without bias correction, for every β₂ in ``beta2s``: the path
    (left) and the length of each step divided by η (right). A slider sets β₂; buttons switch
    the bias correction on and off."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    beta2s = [float(b) for b in beta2s]
    corrected = [descend(valley, Adam(lr=lr, beta1=beta1, beta2=b2, eps=eps), theta0, steps)
                 for b2 in beta2s]
    raw = [_adam_without_correction(valley, theta0, lr, beta1, b2, eps, steps)
           for b2 in beta2s]
    fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45],
                        subplot_titles=("Path on the contours", "Step length ÷ η"))
    fig.add_trace(_contour(valley), row=1, col=1)
    names = ("with bias correction", "without bias correction")

    def traces(i):
        out = []
        for k, path in enumerate((corrected[i], raw[i])):
            shown = _clip(path, valley.bounds).astype(np.float32)
            out.append(go.Scatter(x=shown[:, 0], y=shown[:, 1], mode="lines+markers",
                                  marker=dict(size=3, color=_COLORS[k]), visible=k == 0,
                                  line=dict(color=_COLORS[k]), name=names[k],
                                  showlegend=False))
        for k, path in enumerate((corrected[i], raw[i])):
            step = np.linalg.norm(np.diff(path, axis=0), axis=1) / lr
            out.append(go.Scatter(x=np.arange(1, len(path)), y=step, mode="lines+markers",
                                  marker=dict(size=3, color=_COLORS[k]), showlegend=True,
                                  line=dict(color=_COLORS[k], dash=("solid", "dot")[k]),
                                  name=names[k]))
        return out

    first = traces(0)
    first[0].showlegend = first[1].showlegend = False
    fig.add_trace(first[0], row=1, col=1)
    fig.add_trace(first[1], row=1, col=1)
    fig.add_trace(first[2], row=1, col=2)
    fig.add_trace(first[3], row=1, col=2)
    fig.frames = [go.Frame(name=f"f{i}", data=traces(i), traces=[1, 2, 3, 4])
                  for i in range(len(beta2s))]
    buttons = [dict(label=f"path {names[k]}", method="restyle",
                    args=[{"visible": [True, k == 0, k == 1, True, True]}])
               for k in range(2)]
    (x0, x1), (y0, y1) = valley.bounds
    fig.update_xaxes(range=[x0, x1], title_text="θ₁", row=1, col=1)
    fig.update_yaxes(range=[y0, y1], title_text="θ₂", row=1, col=1)
    fig.update_xaxes(title_text="step t", row=1, col=2)
    fig.update_yaxes(title_text="‖Δθ‖ / η", type="log", row=1, col=2)
    fig.update_layout(height=450, margin=dict(l=50, r=20, t=90, b=20),
                      legend=dict(x=1, xanchor="right", y=1, bgcolor="rgba(255,255,255,0.7)"),
                      updatemenus=[dict(type="buttons", direction="right", x=0, y=1.22,
                                        xanchor="left", buttons=buttons, showactive=True)],
                      sliders=_slider(beta2s, lambda b: f"{b:g}", "β₂ = "))
    alt = (f"Interactive figure: a slider sets β₂ from {beta2s[0]:g} to {beta2s[-1]:g} and "
           f"buttons show Adam's path with or without bias correction on the valley's contours "
           f"(left). The right panel shows, on a log scale, the length of every step divided by "
           f"the learning rate, with the correction (solid) and without it (dotted). Without "
           f"it the first step is (1 − β₁)/√(1 − β₂) times η: shorter than the corrected step "
           f"for small β₂, several times longer as β₂ approaches 1.")
    return Explorable(fig, "adam", alt)
