import numpy as np
import pytest

from lib.optim import GD
from lib.train import descend
from lib.valleys import (DoubleWell, Quadratic, Rosenbrock, bowl, double_well, narrow_valley,
                         rosenbrock)

VALLEYS = [bowl(10), bowl(1000, L=2.0), narrow_valley(), rosenbrock(),
           Quadratic([[2.0, 0.5], [0.5, 1.0]], center=[1.0, -2.0]), double_well(),
           DoubleWell(tilt=-2.0, coupling=-1.0, name="double well, tilted left")]


def numerical_grad(f, theta, h=1e-6):
    return np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(2)])


@pytest.mark.parametrize("valley", VALLEYS, ids=lambda v: v.name)
def test_gradient_matches_central_differences(valley):
    rng = np.random.default_rng(0)
    for theta in rng.uniform(-1.5, 1.5, size=(5, 2)):
        assert np.allclose(valley.grad(theta), numerical_grad(valley.value, theta),
                           rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("valley", VALLEYS, ids=lambda v: v.name)
def test_gradient_vanishes_at_the_minimum_and_value_is_lowest_there(valley):
    assert np.allclose(valley.grad(valley.minimum), 0, atol=1e-12)
    rng = np.random.default_rng(1)
    others = valley.minimum + rng.normal(size=(20, 2))
    assert all(valley.value(p) > valley.value(valley.minimum) for p in others)


@pytest.mark.parametrize("valley", VALLEYS, ids=lambda v: v.name)
def test_value_evaluates_a_grid_pointwise(valley):
    X, Y = np.meshgrid(np.linspace(-1, 1, 4), np.linspace(-1, 2, 3))
    Z = valley.value(np.stack([X, Y]))
    assert Z.shape == X.shape
    assert np.isclose(Z[1, 2], valley.value(np.array([X[1, 2], Y[1, 2]])))
    G = valley.grad(np.stack([X, Y]))
    assert G.shape == (2,) + X.shape
    assert np.allclose(G[:, 2, 1], valley.grad(np.array([X[2, 1], Y[2, 1]])))


def test_bowl_has_the_requested_curvatures_and_condition_number():
    v = bowl(condition_number=50, L=4.0)
    assert v.L == pytest.approx(4.0)
    assert v.mu == pytest.approx(4.0 / 50)
    assert v.condition_number == pytest.approx(50)


def test_narrow_valley_is_rotated_so_no_axis_runs_along_it():
    v = narrow_valley()
    assert v.condition_number == pytest.approx(50)
    assert abs(v.A[0, 1]) > 0.5


def test_rosenbrock_minimum_is_at_a_a_squared():
    assert np.allclose(Rosenbrock(a=2.0).minimum, [2.0, 4.0])
    assert rosenbrock().value(np.array([1.0, 1.0])) == 0.0


@pytest.mark.parametrize("A, match", [
    ([[1.0, 2.0], [0.0, 1.0]], "symmetric"),
    ([[1.0, 0.0], [0.0, -1.0]], "positive definite"),
    ([[1.0, 0.0, 0.0]], "symmetric"),
])
def test_quadratic_rejects_matrices_that_are_not_a_bowl(A, match):
    with pytest.raises(ValueError, match=match):
        Quadratic(A)


def test_bowl_rejects_condition_number_below_one_and_nonpositive_L():
    with pytest.raises(ValueError, match="condition_number"):
        bowl(0.5)
    with pytest.raises(ValueError, match="L"):
        bowl(10, L=0)


def test_points_of_the_wrong_shape_are_rejected():
    with pytest.raises(ValueError, match="theta"):
        bowl(10).grad(np.zeros(3))


@pytest.mark.parametrize("valley", [double_well(), DoubleWell(tilt=-2.0, coupling=-1.0),
                                    DoubleWell(tilt=0.0, coupling=0.0)])
def test_double_well_is_flat_at_two_minima_and_a_saddle_between_them(valley):
    for point in [*valley.minima, valley.saddle]:
        assert np.allclose(valley.grad(point), 0, atol=1e-12)
    for point in valley.minima:
        assert np.all(np.linalg.eigvalsh(valley.hessian(point)) > 0)
    low, high = np.linalg.eigvalsh(valley.hessian(valley.saddle))
    assert low < 0 < high
    assert valley.minima[:, 0].min() < valley.saddle[0] < valley.minima[:, 0].max()
    assert valley.value(valley.minimum) <= valley.value(valley.local_minimum)
    assert valley.value(valley.saddle) > valley.value(valley.local_minimum)


def test_double_well_hessian_matches_differences_of_the_gradient():
    valley = double_well()
    rng = np.random.default_rng(3)
    for theta in rng.uniform(-1.5, 1.5, size=(5, 2)):
        columns = [(valley.grad(theta + 1e-6 * e) - valley.grad(theta - 1e-6 * e)) / 2e-6
                   for e in np.eye(2)]
        assert np.allclose(valley.hessian(theta), np.stack(columns, axis=1), atol=1e-5)


def test_double_well_follows_its_one_dimensional_section_along_the_coupling_line():
    valley = double_well(tilt=1.0, coupling=0.5)
    s = np.linspace(-2, 2, 9)
    assert np.allclose(valley.value(np.stack([s, 0.5 * s])), s**4 - 3 * s**2 + s, atol=1e-12)
    assert np.allclose(valley.minimum, [-1.30084, -0.65042], atol=1e-5)
    assert np.allclose(valley.local_minimum, [1.13090, 0.56545], atol=1e-5)


def test_gradient_descent_ends_in_the_minimum_of_the_side_it_starts_on():
    valley = double_well()
    for start, end in [((-2.0, 1.5), valley.minimum), ((2.0, -1.5), valley.local_minimum),
                       ((-0.5, 1.0), valley.minimum), ((0.5, -1.0), valley.local_minimum)]:
        path = descend(valley, GD(lr=0.02), np.array(start), steps=2000)
        assert np.allclose(path[-1], end, atol=1e-6)
    # started exactly on the saddle, the gradient is zero and gradient descent never moves
    path = descend(valley, GD(lr=0.02), valley.saddle, steps=10)
    assert np.allclose(path, valley.saddle, atol=1e-12)


@pytest.mark.parametrize("kwargs, match", [({"tilt": 3.0}, "tilt"), ({"tilt": np.nan}, "tilt"),
                                           ({"coupling": np.inf}, "coupling")])
def test_double_well_rejects_a_tilt_that_leaves_one_minimum_and_non_finite_numbers(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DoubleWell(**kwargs)


def test_double_well_hessian_takes_one_point():
    with pytest.raises(ValueError, match="one point"):
        double_well().hessian(np.zeros((2, 3)))
