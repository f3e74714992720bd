import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lib.optim import GD, Momentum  # noqa: E402
from lib.plots import animate_paths, contour_paths, loss_curves  # noqa: E402
from lib.train import descend  # noqa: E402
from lib.valleys import narrow_valley  # noqa: E402

VALLEY = narrow_valley()
PATHS = {"GD": descend(VALLEY, GD(0.3), [-3.0, 1.0], 30),
         "Momentum": descend(VALLEY, Momentum(0.3, 0.8), [-3.0, 1.0], 30)}


def test_contour_paths_draws_every_path_and_the_minimum():
    ax = contour_paths(VALLEY, PATHS, title="t")
    labels = [line.get_label() for line in ax.get_lines()]
    assert {"GD", "Momentum", "minimum"} <= set(labels)
    gd_line = next(line for line in ax.get_lines() if line.get_label() == "GD")
    assert np.array_equal(gd_line.get_xydata(), PATHS["GD"])
    plt.close("all")


def test_loss_curves_cut_a_diverging_run_where_it_leaves_the_finite_numbers():
    ax = loss_curves({"ok": [3.0, 2.0, 1.0], "diverged": [1.0, 10.0, np.inf, np.nan]})
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert len(lines["diverged"].get_xdata()) == 2
    assert ax.get_yscale() == "log"
    plt.close("all")


def test_animation_is_a_self_contained_html_player_with_the_requested_frames():
    html = animate_paths(VALLEY, PATHS, frames=5)
    assert "<script" in html.data and "http" not in html.data.split("<script", 1)[1][:200]
    assert html.data.count("data:image/jpeg;base64") == 5
    assert animate_paths(VALLEY, PATHS, frames=3, frame_format="png").data.count(
        "data:image/png;base64") == 3
    assert not plt.get_fignums()  # the animation's figure is closed, not shown twice


def test_animation_rejects_no_paths_and_too_few_frames():
    with pytest.raises(ValueError, match="paths"):
        animate_paths(VALLEY, {})
    with pytest.raises(ValueError, match="frames"):
        animate_paths(VALLEY, PATHS, frames=1)


def test_animation_player_image_has_alt_text():
    default = animate_paths(VALLEY, PATHS, frames=3, title="Narrow valley").data
    assert 'alt="Narrow valley: animation of the paths of GD, Momentum walking down the valley."' in default
    custom = animate_paths(VALLEY, PATHS, frames=3, alt='Two "hikers" race').data
    assert 'alt="Two &quot;hikers&quot; race"' in custom
    images = re.findall(r"<img[^>]*>", custom)
    assert images and all(' alt="' in image for image in images)


def test_animation_player_needs_no_network():
    player = animate_paths(VALLEY, PATHS, frames=3).data
    assert "font-awesome" not in player and not re.search(r"(?:href|src)=\"https?://", player)
