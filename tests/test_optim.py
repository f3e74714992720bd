"""lib.optim: the article's update rules, checked against steps computed by hand, properties
that hold for any input, and bad input that must be refused without changing anything."""

import copy
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lib.optim import GD, Adagrad, Adam, AdamW, Momentum, Nesterov, RMSProp

FEW = settings(max_examples=30, deadline=None, database=None)  # no .hypothesis/ in the repo


def _steps(opt, theta0, grads):
    """θ after each of the given scalar gradients, starting from θ0."""
    theta = np.array([theta0])
    out = []
    for g in grads:
        opt.step([theta], [np.array([g])])
        out.append(theta[0])
    return out


# -- first and second steps, by hand ----------------------------------------------------------

def test_gd_by_hand():
    # θ1 = 1 − 0.1·2 = 0.8, θ2 = 0.8 − 0.1·2 = 0.6
    assert _steps(GD(lr=0.1), 1.0, [2.0, 2.0]) == pytest.approx([0.8, 0.6], abs=1e-15)


def test_momentum_by_hand():
    # v1 = 0.5·0 + 0.5·2 = 1,   θ1 = 1 − 0.1·1 = 0.9
    # v2 = 0.5·1 + 0.5·2 = 1.5, θ2 = 0.9 − 0.1·1.5 = 0.75
    opt = Momentum(lr=0.1, beta=0.5)
    assert _steps(opt, 1.0, [2.0, 2.0]) == pytest.approx([0.9, 0.75], abs=1e-15)
    assert opt.state[0]["v"] == pytest.approx([1.5])


def test_rmsprop_by_hand():
    # s1 = 0.5·0 + 0.5·2² = 2,     θ1 = 1 − 0.1·2/√(2 + 2) = 0.9
    # s2 = 0.5·2 + 0.5·(−2)² = 3,  θ2 = 0.9 + 0.1·2/√(3 + 2) = 0.9 + 0.2/√5
    opt = RMSProp(lr=0.1, beta=0.5, eps=2.0)
    assert _steps(opt, 1.0, [2.0, -2.0]) == pytest.approx([0.9, 0.9 + 0.2 / math.sqrt(5)], abs=1e-15)
    assert opt.state[0]["s"] == pytest.approx([3.0])


def test_adam_by_hand():
    # m1 = 0.5·2 = 1, v1 = 0.5·4 = 2, m̂ = 1/0.5 = 2, v̂ = 2/0.5 = 4, θ1 = 1 − 0.1·2/(2 + 2) = 0.95
    # m2 = 0.5 + 1 = 1.5, v2 = 1 + 2 = 3, m̂ = 1.5/0.75 = 2, v̂ = 3/0.75 = 4, θ2 = 0.95 − 0.05 = 0.9
    opt = Adam(lr=0.1, beta1=0.5, beta2=0.5, eps=2.0)
    assert _steps(opt, 1.0, [2.0, 2.0]) == pytest.approx([0.95, 0.9], abs=1e-15)
    assert opt.state[0]["m"] == pytest.approx([1.5])
    assert opt.state[0]["v"] == pytest.approx([3.0])
    assert opt.t == 2


def test_adam_second_step_with_a_reversed_gradient_by_hand():
    # m2 = 0.5·1 + 0.5·(−2) = −0.5, m̂ = −0.5/0.75 = −2/3, v̂ = 4: θ2 = 0.95 + 0.1·(2/3)/4
    opt = Adam(lr=0.1, beta1=0.5, beta2=0.5, eps=2.0)
    assert _steps(opt, 1.0, [2.0, -2.0])[1] == pytest.approx(0.95 + 0.1 / 6, abs=1e-15)


@FEW
@given(g=st.floats(min_value=1e-3, max_value=1e3) | st.floats(min_value=-1e3, max_value=-1e-3))
def test_adams_first_step_is_lr_times_the_sign_of_the_gradient(g):
    # m̂1 = g and v̂1 = g², so the step is lr·g/(|g| + ε) ≈ lr·sign(g), whatever the scale of g.
    step = 1.0 - _steps(Adam(lr=0.01), 1.0, [g])[0]
    assert step == pytest.approx(0.01 * g / (abs(g) + 1e-8), rel=1e-9)


def test_nesterov_by_hand():
    # v1 = 0.5·2 = 1,   step = η(β v1 + (1−β) g) = 0.1·(0.5 + 1) = 0.15, θ1 = 0.85
    # v2 = 0.5 + 1 = 1.5, step = 0.1·(0.75 + 1) = 0.175,             θ2 = 0.675
    opt = Nesterov(lr=0.1, beta=0.5)
    assert _steps(opt, 1.0, [2.0, 2.0]) == pytest.approx([0.85, 0.675], abs=1e-15)
    assert opt.state[0]["v"] == pytest.approx([1.5])


def test_adagrad_by_hand():
    # s1 = 0 + 2² = 4, with ε = 5: θ1 = 1 − 0.1·2/√(4 + 5) = 1 − 0.2/3
    # s2 = 4 + 4² = 20, θ2 = θ1 − 0.1·4/√25 = θ1 − 0.08
    opt = Adagrad(lr=0.1, eps=5.0)
    assert _steps(opt, 1.0, [2.0, 4.0]) == pytest.approx([1 - 0.2 / 3, 1 - 0.2 / 3 - 0.08],
                                                         abs=1e-15)
    assert opt.state[0]["s"] == pytest.approx([20.0])


def test_adagrad_starts_from_its_initial_accumulator():
    # s1 = 0.1 + 1 = 1.1 (Keras's default start), θ1 = −0.1/√(1.1 + ε)
    opt = Adagrad(lr=0.1, eps=1e-8, initial_accumulator=0.1)
    assert _steps(opt, 0.0, [1.0]) == pytest.approx([-0.1 / math.sqrt(1.1 + 1e-8)], abs=1e-15)


def test_adagrads_steps_die_out_under_a_constant_gradient():
    # s_t = t g², so the step η g/√(t g²) = η/√t: halved after four times as many steps
    steps = np.diff([1.0] + _steps(Adagrad(lr=0.1, eps=1e-12), 1.0, [3.0] * 16))
    assert -steps[3] == pytest.approx(0.1 / 2, rel=1e-9)
    assert -steps[15] == pytest.approx(0.1 / 4, rel=1e-9)


def test_adamw_by_hand():
    # decay first: θ = 1 − 0.1·0.5·1 = 0.95, then Adam's first step 0.1·2/(2 + 2) = 0.05: 0.9
    opt = AdamW(lr=0.1, beta1=0.5, beta2=0.5, eps=2.0, weight_decay=0.5)
    assert _steps(opt, 1.0, [2.0])[0] == pytest.approx(0.9, abs=1e-15)


def test_adamw_with_zero_decay_is_adam():
    grads = [2.0, -1.0, 0.5, 3.0]
    assert _steps(AdamW(lr=0.1, weight_decay=0.0), 1.0, grads) == \
        _steps(Adam(lr=0.1), 1.0, grads)


def test_adamw_decay_is_not_divided_by_the_gradient_scale():
    # with g = 0 Adam does not move; AdamW still shrinks θ by the factor 1 − ηλ per step
    assert _steps(AdamW(lr=0.1, weight_decay=0.5), 2.0, [0.0, 0.0]) == \
        pytest.approx([2.0 * 0.95, 2.0 * 0.95**2], abs=1e-15)


# -- properties ---------------------------------------------------------------------------------

OPTIMIZERS = {
    "GD": lambda: GD(lr=0.1),
    "Momentum": lambda: Momentum(lr=0.1, beta=0.9),
    "RMSProp": lambda: RMSProp(lr=0.01, beta=0.9),
    "Adam": lambda: Adam(lr=0.01),
    "Nesterov": lambda: Nesterov(lr=0.1, beta=0.9),
    "Adagrad": lambda: Adagrad(lr=0.1),
    "AdamW": lambda: AdamW(lr=0.01, weight_decay=0.1),
}


def _params_and_grads(dtype):
    shapes = hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)
    finite = st.floats(-100, 100, allow_nan=False, width=32)
    return shapes.flatmap(lambda shape: st.tuples(
        hnp.arrays(dtype, shape, elements=finite), hnp.arrays(dtype, shape, elements=finite)))


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_step_keeps_shape_dtype_and_array_identity(name, dtype):
    @FEW
    @given(pair=_params_and_grads(dtype))
    def check(pair):
        theta, g = pair
        opt = OPTIMIZERS[name]()
        params = [theta]
        opt.step(params, [g])
        assert params[0] is theta  # updated in place
        assert theta.shape == g.shape and theta.dtype == dtype
        assert all(arr.dtype == dtype and arr.shape == theta.shape for arr in opt.state[0].values())
        assert np.all(np.isfinite(theta))

    check()


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_state_is_created_once_and_reused(name):
    opt = OPTIMIZERS[name]()
    params = [np.ones(3), np.ones((2, 2))]
    grads = [np.full(3, 0.5), np.full((2, 2), -0.5)]
    opt.step(params, grads)
    first = {i: dict(state) for i, state in opt.state.items()}
    for _ in range(3):
        opt.step(params, grads)
    assert set(opt.state) == {0, 1}
    for i, state in opt.state.items():
        assert set(state) == set(type(opt).state_names)
        for name_, arr in state.items():
            assert arr is first[i][name_]


@pytest.mark.parametrize("name", [n for n in OPTIMIZERS if n != "AdamW"])  # AdamW decays θ
def test_zero_gradients_leave_a_fresh_optimizer_where_it_is(name):
    @FEW
    @given(theta=hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=4),
                            elements=st.floats(-1e6, 1e6)),
           steps=st.integers(1, 5))
    def check(theta, steps):
        opt = OPTIMIZERS[name]()
        start = theta.copy()
        for _ in range(steps):
            opt.step([theta], [np.zeros_like(theta)])
        np.testing.assert_array_equal(theta, start)
        assert opt.t == steps

    check()


@FEW
@given(steps=st.integers(0, 20))
def test_t_counts_the_steps(steps):
    opt = Adam()
    theta = np.zeros(2)
    for _ in range(steps):
        opt.step([theta], [np.ones(2)])
    assert opt.t == steps


def test_state_assigned_before_the_first_step_is_used_in_place():
    opt = Momentum(lr=0.1, beta=0.5)
    v = np.array([2.0, -4.0])
    opt.state[0] = {"v": v}
    theta = np.zeros(2)
    opt.step([theta], [np.zeros(2)])
    # v = 0.5·[2, −4] + 0 = [1, −2], θ = −0.1·v
    np.testing.assert_allclose(theta, [-0.1, 0.2])
    assert opt.state[0]["v"] is v
    np.testing.assert_allclose(v, [1.0, -2.0])


def test_adam_state_assigned_before_the_first_step_is_used():
    opt = Adam(lr=0.1, beta1=0.5, beta2=0.5, eps=2.0)
    opt.state[0] = {"m": np.array([2.0]), "v": np.array([8.0])}
    theta = np.array([1.0])
    opt.step([theta], [np.array([2.0])])
    # m = 1 + 1 = 2, v = 4 + 2 = 6, m̂ = 4, v̂ = 12: θ = 1 − 0.1·4/(√12 + 2)
    assert theta[0] == pytest.approx(1 - 0.4 / (math.sqrt(12) + 2), abs=1e-15)


def test_assigned_state_of_another_dtype_is_copied_not_aliased():
    opt = RMSProp(lr=0.1, beta=0.5)
    s = np.array([1.0, 1.0])  # float64 for a float32 parameter
    opt.state[0] = {"s": s}
    theta = np.zeros(2, dtype=np.float32)
    opt.step([theta], [np.ones(2, dtype=np.float32)])
    assert opt.state[0]["s"].dtype == np.float32
    np.testing.assert_array_equal(s, [1.0, 1.0])


def test_a_schedule_is_called_with_the_step_number():
    seen = []
    opt = GD(lr=lambda t: seen.append(t) or 0.1 / t)
    theta = np.zeros(1)
    for _ in range(3):
        opt.step([theta], [np.ones(1)])
    assert seen == [1, 2, 3]
    assert theta[0] == pytest.approx(-(0.1 + 0.05 + 0.1 / 3))


def test_integer_gradients_are_accepted_for_float_params():
    theta = np.ones(2, dtype=np.float32)
    GD(lr=0.5).step([theta], [np.array([2, 4])])
    np.testing.assert_array_equal(theta, [0.0, -1.0])
    assert theta.dtype == np.float32


def test_repr_and_hyperparameters():
    opt = Adam(lr=0.01, beta1=0.8)
    assert opt.hyperparameters() == {"lr": 0.01, "beta1": 0.8, "beta2": 0.999, "eps": 1e-8}
    assert repr(opt) == "Adam(lr=0.01, beta1=0.8, beta2=0.999, eps=1e-08)"


# -- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("lr", [0, -0.1, math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("cls", [GD, Momentum, RMSProp, Adam, Nesterov, Adagrad, AdamW])
def test_a_nonpositive_or_nonfinite_lr_is_a_value_error(cls, lr):
    with pytest.raises(ValueError, match="lr"):
        cls(lr=lr)


@pytest.mark.parametrize("lr", [True, "0.1", None, [0.1], 1 + 0j])
def test_a_non_number_lr_is_a_type_error(lr):
    with pytest.raises(TypeError, match="lr"):
        GD(lr=lr)


@pytest.mark.parametrize("value", [-0.1, 1.0, 1.5, math.nan, math.inf])
@pytest.mark.parametrize("make,name", [
    (lambda b: Momentum(lr=0.1, beta=b), "beta"),
    (lambda b: RMSProp(lr=0.1, beta=b), "beta"),
    (lambda b: Adam(beta1=b), "beta1"),
    (lambda b: Adam(beta2=b), "beta2"),
    (lambda b: Nesterov(lr=0.1, beta=b), "beta"),
    (lambda b: AdamW(beta1=b), "beta1"),
    (lambda b: AdamW(beta2=b), "beta2"),
])
def test_a_beta_outside_zero_one_is_a_value_error(make, name, value):
    with pytest.raises(ValueError, match=name):
        make(value)


@pytest.mark.parametrize("make,name", [
    (lambda b: Momentum(lr=0.1, beta=b), "beta"), (lambda b: Adam(beta2=b), "beta2")])
def test_a_bool_beta_is_a_type_error(make, name):
    with pytest.raises(TypeError, match=name):
        make(False)


@pytest.mark.parametrize("eps", [0, -1e-8, math.nan, math.inf])
@pytest.mark.parametrize("cls", [RMSProp, Adam, Adagrad, AdamW])
def test_a_nonpositive_eps_is_a_value_error(cls, eps):
    with pytest.raises(ValueError, match="eps"):
        cls(lr=0.1, eps=eps)


@pytest.mark.parametrize("value", [-0.1, math.nan, math.inf])
@pytest.mark.parametrize("make,name", [
    (lambda x: AdamW(weight_decay=x), "weight_decay"),
    (lambda x: Adagrad(initial_accumulator=x), "initial_accumulator"),
])
def test_a_negative_or_nonfinite_decay_or_accumulator_is_a_value_error(make, name, value):
    with pytest.raises(ValueError, match=name):
        make(value)


@pytest.mark.parametrize("make,name", [
    (lambda x: AdamW(weight_decay=x), "weight_decay"),
    (lambda x: Adagrad(initial_accumulator=x), "initial_accumulator")])
@pytest.mark.parametrize("value", [True, "0.1", None])
def test_a_non_number_decay_or_accumulator_is_a_type_error(make, name, value):
    with pytest.raises(TypeError, match=name):
        make(value)


def test_new_optimizers_repr_and_hyperparameters():
    assert repr(AdamW(lr=0.01)) == \
        "AdamW(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.01)"
    assert Nesterov(lr=0.1, beta=0.8).hyperparameters() == {"lr": 0.1, "beta": 0.8}
    assert Adagrad().hyperparameters() == {"lr": 0.01, "eps": 1e-8, "initial_accumulator": 0.0}


def test_zero_beta_is_allowed():
    opt = Momentum(lr=0.1, beta=0.0)  # momentum without memory: plain GD
    assert _steps(opt, 1.0, [2.0]) == pytest.approx([0.8])


BAD_STEPS = [
    # (description, make params, make grads, exception, message)
    ("mismatched shapes", lambda p: p, lambda p: [np.ones(3), np.ones(4)], ValueError, r"grads\[1\]"),
    ("fewer grads", lambda p: p, lambda p: [np.ones(3)], ValueError, "grads"),
    ("more grads", lambda p: p, lambda p: [np.ones(3), np.ones((2, 2)), np.ones(1)], ValueError, "grads"),
    ("NaN gradient", lambda p: p, lambda p: [np.ones(3), np.array([[1, np.nan], [0, 0]])],
     ValueError, r"grads\[1\]"),
    ("inf gradient", lambda p: p, lambda p: [np.array([np.inf, 0, 0]), np.ones((2, 2))],
     ValueError, r"grads\[0\]"),
    ("bool gradient", lambda p: p, lambda p: [np.ones(3, dtype=bool), np.ones((2, 2))],
     TypeError, r"grads\[0\]"),
    ("string gradient", lambda p: p, lambda p: [np.ones(3), np.full((2, 2), "a")],
     TypeError, r"grads\[1\]"),
    ("params an array, not a list", lambda p: p[0], lambda p: [np.ones(3)], TypeError, "params"),
    ("grads an array, not a list", lambda p: p, lambda p: np.ones(3), TypeError, "grads"),
    ("params a generator", lambda p: (x for x in p), lambda p: [np.ones(3), np.ones((2, 2))],
     TypeError, "params"),
    ("integer param", lambda p: [p[0], np.ones((2, 2), dtype=int)],
     lambda p: [np.ones(3), np.ones((2, 2))], TypeError, r"params\[1\]"),
    ("a list as param", lambda p: [p[0], [[1.0, 1.0], [1.0, 1.0]]],
     lambda p: [np.ones(3), np.ones((2, 2))], TypeError, r"params\[1\]"),
]


def _read_only(params):
    frozen = params[1].copy()
    frozen.flags.writeable = False
    return [params[0], frozen]


BAD_STEPS.append(("read-only param", _read_only, lambda p: [np.ones(3), np.ones((2, 2))],
                  ValueError, r"params\[1\]"))


def _warmed_up(name):
    """An optimizer that has taken two steps, and its params: a bad step must leave all as is."""
    opt = OPTIMIZERS[name]()
    params = [np.array([1.0, 2.0, 3.0]), np.array([[1.0, -1.0], [0.5, 0.25]])]
    for _ in range(2):
        opt.step(params, [np.full(3, 0.1), np.full((2, 2), -0.2)])
    return opt, params


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("what,make_params,make_grads,error,match", BAD_STEPS, ids=[b[0] for b in BAD_STEPS])
def test_a_bad_step_is_refused_by_name_and_changes_nothing(name, what, make_params, make_grads,
                                                           error, match):
    opt, params = _warmed_up(name)
    params_before, state_before, t_before = copy.deepcopy(params), copy.deepcopy(opt.state), opt.t
    bad_params, bad_grads = make_params(params), make_grads(params)
    with pytest.raises(error, match=match):
        opt.step(bad_params, bad_grads)
    assert opt.t == t_before
    for before, after in zip(params_before, params):
        np.testing.assert_array_equal(before, after)
    assert opt.state.keys() == state_before.keys()
    for i in state_before:
        for key in state_before[i]:
            np.testing.assert_array_equal(opt.state[i][key], state_before[i][key])


@pytest.mark.parametrize("bad_lr", [-0.1, 0.0, math.nan, math.inf, "fast", True])
def test_a_schedule_returning_a_bad_lr_is_refused_by_name_and_changes_nothing(bad_lr):
    opt = Momentum(lr=lambda t: 0.1 if t < 3 else bad_lr, beta=0.5)
    theta = np.ones(2)
    opt.step([theta], [np.ones(2)])
    opt.step([theta], [np.ones(2)])
    theta_before, v_before = theta.copy(), opt.state[0]["v"].copy()
    with pytest.raises((ValueError, TypeError), match="lr"):
        opt.step([theta], [np.ones(2)])
    np.testing.assert_array_equal(theta, theta_before)
    np.testing.assert_array_equal(opt.state[0]["v"], v_before)
    assert opt.t == 2


@pytest.mark.parametrize("bad_state,error", [
    ({"v": np.zeros(3)}, ValueError),      # wrong shape
    ({"w": np.zeros(2)}, ValueError),      # wrong key
    ([np.zeros(2)], TypeError),            # not a dict
])
def test_bad_assigned_state_is_refused_by_name_and_changes_nothing(bad_state, error):
    opt = Momentum(lr=0.1)
    opt.state[0] = bad_state
    theta = np.ones(2)
    with pytest.raises(error, match=r"state\[0\]"):
        opt.step([theta], [np.ones(2)])
    np.testing.assert_array_equal(theta, np.ones(2))
    assert opt.t == 0 and opt.state[0] is bad_state


def test_a_bad_second_param_leaves_the_first_unchanged():
    opt = Adam(lr=0.1)
    first = np.ones(2)
    with pytest.raises(ValueError, match=r"grads\[1\]"):
        opt.step([first, np.ones(2)], [np.ones(2), np.array([0.0, np.nan])])
    np.testing.assert_array_equal(first, np.ones(2))
    assert opt.state == {} and opt.t == 0


def test_a_gradient_that_overflows_the_params_dtype_is_refused_by_name():
    # 1e39 is a finite float64 but inf in float32: it must not reach a float32 parameter.
    opt = Momentum(lr=0.1)
    theta = np.ones(2, dtype=np.float32)
    with pytest.raises(ValueError, match=r"grads\[0\].*float32"):
        opt.step([theta], [np.array([1e39, 0.0])])
    np.testing.assert_array_equal(theta, np.ones(2, dtype=np.float32))
    assert opt.state == {} and opt.t == 0
