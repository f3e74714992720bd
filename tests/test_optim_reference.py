"""lib.optim's fast in-place, block-by-block updates give exactly the results of the plain formulas
of lib.optim_reference (bit for bit), allocate no array per step, and validate gradients cheaply
but correctly."""

import tracemalloc

import numpy as np
import pytest

from lib import optim_reference as ref
from lib.optim import GD, Adagrad, Adam, AdamW, Momentum, Nesterov, RMSProp, _all_finite

BLOCK = 2**16


def _lr(t):
    return 0.05 / (1 + 0.1 * t)  # a schedule: every step has another learning rate


MAKERS = {
    "GD": (lambda lr: GD(lr=lr),
           lambda theta, g, state, t, lr: ref.gd_update(theta, g, lr)),
    "Momentum": (lambda lr: Momentum(lr=lr, beta=0.9),
                 lambda theta, g, state, t, lr: ref.momentum_update(theta, g, state["v"], lr, 0.9)),
    "RMSProp": (lambda lr: RMSProp(lr=lr, beta=0.8, eps=1e-6),
                lambda theta, g, state, t, lr: ref.rmsprop_update(theta, g, state["s"], lr, 0.8, 1e-6)),
    "Adam": (lambda lr: Adam(lr=lr, beta1=0.9, beta2=0.999, eps=1e-8),
             lambda theta, g, state, t, lr: ref.adam_update(theta, g, state["m"], state["v"], t, lr,
                                                            0.9, 0.999, 1e-8)),
    "Nesterov": (lambda lr: Nesterov(lr=lr, beta=0.9),
                 lambda theta, g, state, t, lr: ref.nesterov_update(theta, g, state["v"], lr, 0.9)),
    "Adagrad": (lambda lr: Adagrad(lr=lr, eps=1e-6),
                lambda theta, g, state, t, lr: ref.adagrad_update(theta, g, state["s"], lr, 1e-6)),
    "AdamW": (lambda lr: AdamW(lr=lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.1),
              lambda theta, g, state, t, lr: ref.adamw_update(theta, g, state["m"], state["v"], t,
                                                              lr, 0.9, 0.999, 1e-8, 0.1)),
}

SHAPES = {
    "scalar": (),
    "small vector": (7,),
    "matrix": (3, 5),
    "one block exactly": (BLOCK,),
    "blocks and a partial block": (2 * BLOCK + 123,),
    "large matrix": (300, 250),
}


def _arrays(shape, dtype, seed, layout="C"):
    rng = np.random.default_rng(seed)
    theta = np.asarray(rng.standard_normal(shape) * 3, dtype=dtype, order=layout)
    grads = [np.asarray(rng.standard_normal(shape) * 10.0**rng.integers(-4, 3), dtype=dtype, order=layout)
             for _ in range(4)]
    return theta, grads


def _assert_same_as_reference(name, params, grads_per_step, lr):
    make, reference_update = MAKERS[name]
    opt = make(lr)
    ref_params = [p.copy() for p in params]
    ref_state = [{key: np.zeros_like(p) for key in type(opt).state_names} for p in params]
    for t, grads in enumerate(grads_per_step, start=1):
        opt.step(params, grads)
        step_lr = lr(t) if callable(lr) else lr
        for theta, g, state in zip(ref_params, grads, ref_state):
            reference_update(theta, g, state, t, step_lr)
        for i, (fast, slow) in enumerate(zip(params, ref_params)):
            assert fast.dtype == slow.dtype
            np.testing.assert_array_equal(fast, slow, strict=True)
            for key, arr in ref_state[i].items():
                np.testing.assert_array_equal(opt.state[i][key], arr, strict=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("name", MAKERS)
def test_fast_steps_are_bit_identical_to_the_formulas(name, shape, dtype):
    theta, grads = _arrays(shape, dtype, seed=sum(shape))
    _assert_same_as_reference(name, [theta], [[g] for g in grads], lr=0.01)


@pytest.mark.parametrize("name", MAKERS)
def test_several_params_of_other_layouts_with_a_schedule_are_bit_identical(name):
    big, big_grads = _arrays((BLOCK + 5, 3), np.float32, seed=1)           # blocked
    fortran, f_grads = _arrays((40, 30), np.float64, seed=2, layout="F")   # whole-array path
    wide, w_grads = _arrays((64, 2 * BLOCK // 64 + 8), np.float32, seed=3)
    column = wide[:, 1::2]                                                 # a strided view
    c_grads = [g[:, 1::2] for g in w_grads]
    params = [big, fortran, column]
    grads_per_step = [list(gs) for gs in zip(big_grads, f_grads, c_grads)]
    _assert_same_as_reference(name, params, grads_per_step, lr=_lr)
    untouched = _arrays(wide.shape, np.float32, seed=3)[0][:, 0::2]
    np.testing.assert_array_equal(wide[:, 0::2], untouched)  # only the view's columns changed


@pytest.mark.parametrize("name", MAKERS)
def test_float64_grads_for_float32_params_match_the_formula_on_the_converted_grads(name):
    theta, grads = _arrays((BLOCK + 9,), np.float64, seed=4)
    theta = theta.astype(np.float32)
    make, reference_update = MAKERS[name]
    opt, ref_theta = make(0.01), theta.copy()
    state = {key: np.zeros_like(theta) for key in type(opt).state_names}
    for t, g in enumerate(grads, start=1):
        opt.step([theta], [g])
        reference_update(ref_theta, g.astype(np.float32), state, t, 0.01)
    np.testing.assert_array_equal(theta, ref_theta, strict=True)


@pytest.mark.parametrize("name", MAKERS)
def test_a_step_on_a_large_parameter_allocates_no_array(name):
    n = 2_000_000  # 8 MB per float32 array
    theta, (g, *_) = _arrays((n,), np.float32, seed=5)
    opt = MAKERS[name][0](0.01)
    opt.step([theta], [g])  # the first step creates the state and the workspace
    tracemalloc.start()
    try:
        opt.step([theta], [g])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024, f"a step allocated {peak} bytes"


def test_the_workspace_is_private_and_the_state_keeps_the_articles_symbols():
    opt = Adam()
    theta = np.ones(3 * BLOCK, dtype=np.float32)
    opt.step([theta], [np.ones_like(theta)])
    assert set(opt.state[0]) == {"m", "v"}
    assert all(buf.size == BLOCK for own in opt._workspace[0] for buf in own)


LARGE = np.finfo(np.float32).max


@pytest.mark.parametrize("values,finite", [
    ([LARGE, LARGE, LARGE], True),          # the sum overflows, the values are finite
    ([-LARGE, -LARGE, 1.0], True),
    ([LARGE, LARGE, np.inf], False),
    ([LARGE, np.nan, -LARGE], False),
    ([np.inf, -np.inf, 0.0], False),        # inf − inf: the sum is NaN
    ([0.0, -np.inf], False),
    ([], True),
])
def test_the_finiteness_check_is_exact_even_when_the_sum_overflows(values, finite):
    assert _all_finite(np.array(values, dtype=np.float32)) is finite


def test_huge_but_finite_gradients_are_accepted_and_inf_among_them_refused():
    theta = np.zeros(BLOCK + 1, dtype=np.float32)
    g = np.full_like(theta, LARGE / 2)
    GD(lr=1e-30).step([theta], [g])  # the sum of g overflows float32: still a valid gradient
    assert np.all(np.isfinite(theta))
    g[-1] = np.inf
    before = theta.copy()
    with pytest.raises(ValueError, match=r"grads\[0\] contains NaN or inf"):
        GD(lr=0.1).step([theta], [g])
    np.testing.assert_array_equal(theta, before)


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("name", MAKERS)
def test_the_results_do_not_depend_on_the_number_of_threads(name, threads, monkeypatch):
    monkeypatch.setattr(MAKERS[name][0](0.01).__class__, "threads", threads)
    theta, grads = _arrays((10 * BLOCK + 3,), np.float32, seed=6)
    _assert_same_as_reference(name, [theta], [[g] for g in grads], lr=_lr)


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("bad,position", [(np.inf, 0), (-np.inf, 1_500_000), (np.nan, 2**21 - 1),
                                          (None, 0), ("huge", 0)])
def test_the_finiteness_check_of_a_large_array_in_parts(threads, bad, position):
    a = np.ones(2**21, dtype=np.float32)
    if bad == "huge":
        a[:] = LARGE  # every part's sum overflows; every value is finite
    elif bad is not None:
        a[position] = bad
    assert _all_finite(a, threads) is (bad is None or bad == "huge")


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_a_forked_child_can_still_step_on_several_threads():
    import multiprocessing

    theta, (g, *_) = _arrays((8 * BLOCK,), np.float32, seed=7)
    Adam().step([theta], [g])  # the parent's thread pools exist now
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        child_theta = pool.apply_async(_one_adam_step, (theta, g)).get(timeout=60)
    expected = theta.copy()
    Adam().step([expected], [g])
    np.testing.assert_array_equal(child_theta, expected)


def _one_adam_step(theta, g):
    theta = theta.copy()
    Adam().step([theta], [g])
    return theta
