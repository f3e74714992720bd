"""The book's plotting helpers: valleys with trajectories, loss curves, and animated hikes.

Colours and markers are fixed per label across a figure, so "Momentum" is the same colour in
the contour plot and the loss curve next to it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["contour_paths", "loss_curves", "animate_paths", "COLORS"]

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


def _axes(ax, figsize=(6, 4.5)):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _grid(valley, bounds, resolution):
    (x0, x1), (y0, y1) = bounds if bounds is not None else valley.bounds
    xs = np.linspace(x0, x1, resolution)
    ys = np.linspace(y0, y1, resolution)
    X, Y = np.meshgrid(xs, ys)
    return X, Y, valley.value(np.stack([X, Y]))


def _levels(Z, minimum_value, n):
    """Log-spaced contour levels: a valley's floor and its walls both get contours."""
    lo = max(float(np.min(Z)) - minimum_value, 1e-3 * (float(np.max(Z)) - minimum_value))
    hi = float(np.max(Z)) - minimum_value
    return minimum_value + np.geomspace(lo, hi, n)


def contour_paths(valley, paths: dict | None = None, ax=None, bounds=None, levels: int = 25,
                  resolution: int = 200, title: str | None = None, markers: bool = True,
                  legend: bool = True):
    """Contours of ``valley`` with each path of ``paths`` (``{label: array (k, 2)}``) drawn on top.

    The minimum is marked with a star. Returns the axes.
    """
    ax = _axes(ax)
    X, Y, Z = _grid(valley, bounds, resolution)
    zmin = float(valley.value(valley.minimum))
    ax.contour(X, Y, Z, levels=_levels(Z, zmin, levels), cmap="Greys", linewidths=0.7, alpha=0.8)
    ax.plot(*valley.minimum, marker="*", color="k", markersize=12, linestyle="none",
            label="minimum")
    for k, (label, path) in enumerate((paths or {}).items()):
        path = np.asarray(path)
        ax.plot(path[:, 0], path[:, 1], color=COLORS[k % len(COLORS)], lw=1.5, label=label,
                marker="o" if markers else None, markersize=2.5)
        ax.plot(*path[0], marker="s", color=COLORS[k % len(COLORS)], markersize=6)
    (x0, x1), (y0, y1) = bounds if bounds is not None else valley.bounds
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel(r"$\theta_1$")
    ax.set_ylabel(r"$\theta_2$")
    if title:
        ax.set_title(title)
    if legend and paths:
        ax.legend(loc="best", fontsize="small")
    return ax


def loss_curves(curves: dict, ax=None, logy: bool = True, xlabel: str = "step",
                ylabel: str = "loss", title: str | None = None, x: dict | None = None):
    """One line per ``{label: values}``; ``x`` optionally gives ``{label: x values}``.

    Returns the axes. Non-finite values (a diverging run) end a curve where they start.
    """
    ax = _axes(ax)
    for k, (label, values) in enumerate(curves.items()):
        values = np.asarray(values, dtype=float)
        xs = np.asarray(x[label]) if x and label in x else np.arange(len(values))
        finite = np.isfinite(values)
        end = len(values) if finite.all() else int(np.argmin(finite))
        ax.plot(xs[:end], values[:end], color=COLORS[k % len(COLORS)], lw=1.5, label=label)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if curves:
        ax.legend(loc="best", fontsize="small")
    return ax


def animate_paths(valley, paths: dict, frames: int = 40, interval: int = 120, bounds=None,
                  title: str | None = None, figsize=(5.5, 4.2), as_html: bool = True,
                  alt: str | None = None, frame_format: str = "jpeg"):
    """Animate the hikers of ``paths`` walking down ``valley``, all in step.

    Returns an ``IPython.display.HTML`` with a self-contained JavaScript player (it plays in the
    built book and in Jupyter with no network), or the ``FuncAnimation`` if ``as_html=False``.
    Paths longer than ``frames`` are sampled evenly so the page stays light. ``alt`` is the
    player image's alt text (default: the title and the paths' names).
    """
    import matplotlib.pyplot as plt
    from matplotlib import animation

    if not paths:
        raise ValueError("paths must contain at least one path")
    if not isinstance(frames, int) or frames < 2:
        raise ValueError(f"frames must be an int >= 2, got {frames!r}")
    paths = {label: np.asarray(p) for label, p in paths.items()}
    longest = max(len(p) for p in paths.values())
    frame_steps = np.unique(np.linspace(0, longest - 1, min(frames, longest)).round().astype(int))

    fig, ax = plt.subplots(figsize=figsize)
    contour_paths(valley, None, ax=ax, bounds=bounds, title=title, legend=False)
    lines, heads = [], []
    for k, label in enumerate(paths):
        color = COLORS[k % len(COLORS)]
        (line,) = ax.plot([], [], color=color, lw=1.5, label=label)
        (head,) = ax.plot([], [], marker="o", color=color, markersize=7, linestyle="none")
        lines.append(line)
        heads.append(head)
    ax.legend(loc="upper right", fontsize="small")
    counter = ax.text(0.02, 0.96, "", transform=ax.transAxes, va="top", fontsize="small")
    fig.tight_layout()  # keep the axis labels inside a small figure

    def draw(i):
        step = frame_steps[i]
        for line, head, path in zip(lines, heads, paths.values()):
            upto = path[: min(step, len(path) - 1) + 1]
            line.set_data(upto[:, 0], upto[:, 1])
            head.set_data(upto[-1:, 0], upto[-1:, 1])
        counter.set_text(f"step {step}")
        return (*lines, *heads, counter)

    anim = animation.FuncAnimation(fig, draw, frames=len(frame_steps), interval=interval,
                                   blit=True)
    plt.close(fig)
    if not as_html:
        return anim
    import html
    import re

    from IPython.display import HTML

    if alt is None:
        alt = (f"{title}: animation" if title else "Animation") + (
            " of the paths of " + ", ".join(map(str, paths)) + " walking down the valley.")
    # JPEG frames make a page about three times lighter than PNG ones
    with plt.rc_context({"animation.frame_format": frame_format}):
        player = anim.to_jshtml(default_mode="once")
    # matplotlib's player shows its frames in an <img> with no alt text: give it one
    player = re.sub(r'<img id="(_anim_img\w+)">',
                    lambda m: f'<img id="{m.group(1)}" alt="{html.escape(alt)}">', player, count=1)
    # ... and fetches Font Awesome 4 for its button icons from a CDN, which fails offline; the
    # book's theme ships Font Awesome itself (the buttons keep their titles and aria-labels)
    player = re.sub(r'<link rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*">\s*', "",
                    player)
    return HTML(player)
