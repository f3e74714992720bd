"""lib.frameworks: PyTorch and Keras perform lib's updates exactly where equivalence() says so,
and differ from them by what its notes state where it does not.

Float64 agreement with Keras needs Momentum's β and Adam's β1, β2 exactly representable in
float32 (0.875, 1 - 2**-10): Keras turns those Python floats into tensors with ops.cast, which
rounds through float32 even when every variable is float64 (checked below). The learning rate,
RMSprop's rho and epsilon reach Keras in float64, so those may be any value.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from lib import frameworks  # noqa: E402
from lib.frameworks import (  # noqa: E402
    conformance_optimizers, conformance_problem, equivalence, keras_adam_epsilon, keras_floatx,
    keras_schedule, max_gap, measure_gaps, run_keras, run_lib, run_torch, to_keras, to_torch,
)
from lib.optim import GD, Adagrad, Adam, AdamW, Momentum, Nesterov, RMSProp  # noqa: E402
from lib import schedules  # noqa: E402
from lib.schedules import inverse_time  # noqa: E402

STEPS = 100
EXACT_FLOAT64 = 1e-12   # measured: at most 2.2e-16 for every exact pair
# Both sides run in float32, so each trajectory carries its own rounding: measured at most
# 1.2e-7 (≈ 1 ulp of parameters of order 1) over 100 steps.
EXACT_FLOAT32 = 1e-6

RUNNERS = {"torch": run_torch, "keras": run_keras}
EXACT_PAIRS = [("GD", "torch"), ("GD", "keras"), ("Momentum", "torch"), ("Momentum", "keras"),
               ("RMSProp", "keras"), ("Adam", "torch"), ("Nesterov", "torch"), ("Nesterov", "keras"),
               ("Adagrad", "keras"), ("AdamW", "torch")]
CLOSEST_PAIRS = [("RMSProp", "torch"), ("Adam", "keras"), ("Adagrad", "torch"), ("AdamW", "keras")]
NAMES = ("GD", "Momentum", "RMSProp", "Adam", "Nesterov", "Adagrad", "AdamW")


@pytest.fixture(scope="module")
def problem():
    return conformance_problem(STEPS, seed=0)


@pytest.fixture(scope="module")
def measured():
    """The table `python -m lib.frameworks` prints, printed again here (pytest -s shows it)."""
    rows = measure_gaps(STEPS, seed=0)
    print("\n" + frameworks._table(rows))
    return {(r["optimizer"], r["framework"], r["dtype"]): r for r in rows}


def _opt(name):
    return conformance_optimizers()[name]


# -- equivalence() --------------------------------------------------------------------------------

def test_equivalence_is_exact_for_exactly_the_documented_pairs():
    for name in NAMES:
        for framework in ("torch", "keras"):
            assert equivalence(_opt(name), framework).exact == ((name, framework) in EXACT_PAIRS)


def test_equivalence_calls_read_like_the_framework_code():
    assert equivalence(Momentum(lr=0.1, beta=0.9), "torch").call == \
        "torch.optim.SGD(params, lr=0.1 * (1 - 0.9), momentum=0.9)"
    assert equivalence(Adam(lr=0.001), "torch").call == \
        "torch.optim.Adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-08)"
    assert equivalence(RMSProp(lr=0.01, beta=0.9, eps=1e-8), "keras").call == \
        "keras.optimizers.RMSprop(learning_rate=0.01, rho=0.9, epsilon=1e-08)"


@pytest.mark.parametrize("opt", [GD(lr=0.1), Momentum(lr=0.1, beta=0.9), RMSProp(lr=0.01),
                                 Adam(lr=0.001), Momentum(lr=0.3, beta=0.0), Nesterov(lr=0.1),
                                 Nesterov(lr=0.1, beta=0.0), Adagrad(lr=0.1, initial_accumulator=0.1),
                                 AdamW(lr=0.001, weight_decay=0.05)], ids=repr)
def test_torch_call_string_builds_the_optimizer_to_torch_builds(opt):
    param = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))
    from_string = eval(equivalence(opt, "torch").call, {"torch": torch, "params": [param]})
    built = to_torch(opt, [param])
    assert type(from_string) is type(built)
    strip = lambda group: {k: v for k, v in group.items() if k != "params"}  # noqa: E731
    assert strip(from_string.param_groups[0]) == strip(built.param_groups[0])


@pytest.mark.parametrize("opt", [GD(lr=0.1), Momentum(lr=0.1, beta=0.9), RMSProp(lr=0.01),
                                 Adam(lr=0.001), Nesterov(lr=0.1), Adagrad(lr=0.1),
                                 AdamW(lr=0.001, weight_decay=0.05)], ids=repr)
def test_keras_call_string_builds_the_optimizer_to_keras_builds(opt):
    from_string = eval(equivalence(opt, "keras").call, {"keras": keras})
    built = to_keras(opt)
    assert type(from_string) is type(built)
    strip = lambda config: {k: v for k, v in config.items() if k != "name"}  # noqa: E731
    assert strip(from_string.get_config()) == strip(built.get_config())


def test_notes_name_what_differs():
    assert "outside" in equivalence(RMSProp(lr=0.01), "torch").note
    assert "ε_t = ε̂/√(1 − β2^t)" in equivalence(Adam(), "keras").note
    assert "dampening" in equivalence(Momentum(lr=0.1), "torch").note


def test_unsupported_optimizer_and_framework_are_rejected_by_name():
    class FrozenAdam(Adam):
        pass

    with pytest.raises(TypeError, match="opt"):
        to_torch(FrozenAdam(), [])
    with pytest.raises(TypeError, match="opt"):
        to_keras(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1))
    with pytest.raises(ValueError, match="framework"):
        equivalence(GD(lr=0.1), "jax")


# -- conformance over 100 steps ---------------------------------------------------------------

@pytest.mark.parametrize("name,framework", EXACT_PAIRS)
def test_exact_pairs_agree_in_float64(measured, name, framework):
    assert measured[(name, framework, "float64")]["max_gap"] <= EXACT_FLOAT64


@pytest.mark.parametrize("name,framework", EXACT_PAIRS)
def test_exact_pairs_agree_to_float32_rounding_in_float32(measured, name, framework):
    assert measured[(name, framework, "float32")]["max_gap"] <= EXACT_FLOAT32


@pytest.mark.parametrize("name,framework", CLOSEST_PAIRS)
def test_closest_pairs_differ_in_float64_by_more_than_rounding(measured, name, framework):
    # Measured: torch RMSprop 1.0e-6, Keras Adam 1.0e-7, torch Adagrad 2.7e-7, Keras AdamW 1.0e-7,
    # against ≤ 2.2e-16 for the exact pairs.
    gap = measured[(name, framework, "float64")]["max_gap"]
    assert 1e-9 < gap < 1e-5


def test_the_table_covers_every_optimizer_framework_and_dtype(measured):
    assert len(measured) == len(NAMES) * 2 * 2


@pytest.mark.parametrize("opt", [GD(lr=0.01), Momentum(lr=0.05, beta=0.9), Adam(lr=0.003)], ids=repr)
def test_torch_float64_is_exact_with_any_hyperparameters(problem, opt):
    params0, grads_seq = problem
    assert max_gap(run_torch(opt, params0, grads_seq), run_lib(opt, params0, grads_seq)) <= EXACT_FLOAT64


def test_keras_float64_is_exact_with_any_learning_rate_rho_and_epsilon(problem):
    params0, grads_seq = problem
    for opt in (GD(lr=0.01), RMSProp(lr=0.003, beta=0.9, eps=1e-7),
                Momentum(lr=0.01, beta=0.875)):
        assert max_gap(run_keras(opt, params0, grads_seq), run_lib(opt, params0, grads_seq)) <= EXACT_FLOAT64


def test_keras_rounds_momentum_to_float32_even_in_float64(problem):
    params0, grads_seq = problem
    opt = Momentum(lr=0.1, beta=0.9)  # 0.9 is not a float32: Keras uses 0.9 - 2.4e-8
    gap = max_gap(run_keras(opt, params0, grads_seq), run_lib(opt, params0, grads_seq))
    assert 1e-9 < gap < 1e-6  # measured 1.0e-7


def test_keras_float64_run_leaves_floatx_as_it_was(problem):
    params0, grads_seq = problem
    before = keras.config.floatx()
    run_keras(GD(lr=0.1), params0, grads_seq[:2], dtype="float64")
    assert keras.config.floatx() == before


def test_keras_floatx_restores_floatx_after_an_error():
    before = keras.config.floatx()
    with pytest.raises(RuntimeError):
        with keras_floatx("float64"):
            assert keras.config.floatx() == "float64"
            raise RuntimeError("boom")
    assert keras.config.floatx() == before


# -- Momentum: the heavy-ball buffers -----------------------------------------------------------

def test_torch_momentum_buffer_is_v_over_one_minus_beta_at_every_step(problem):
    params0, grads_seq = problem
    opt = Momentum(lr=0.1, beta=0.9)
    lib_params = [p.copy() for p in params0]
    tensors = [torch.nn.Parameter(torch.tensor(p)) for p in params0]
    torch_opt = to_torch(opt, tensors)
    for grads in grads_seq:
        opt.step(lib_params, grads)
        for tensor, g in zip(tensors, grads):
            tensor.grad = torch.tensor(g)
        torch_opt.step()
        for i, tensor in enumerate(tensors):
            buffer = torch_opt.state[tensor]["momentum_buffer"].numpy()
            np.testing.assert_allclose(buffer, opt.state[i]["v"] / (1 - opt.beta), rtol=1e-13, atol=1e-15)
            np.testing.assert_allclose(tensor.detach().numpy(), lib_params[i], rtol=0, atol=1e-14)


def test_keras_momentum_velocity_is_minus_lr_times_v_at_every_step(problem):
    params0, grads_seq = problem
    opt = Momentum(lr=0.125, beta=0.875)
    lib_params = [p.copy() for p in params0]
    with keras_floatx("float64"):
        keras_opt = to_keras(opt)
        variables = [keras.Variable(p) for p in params0]
        for grads in grads_seq[:20]:
            opt.step(lib_params, grads)
            keras_opt.apply([keras.ops.convert_to_tensor(g) for g in grads], variables)
            for i, variable in enumerate(variables):
                velocity = keras_opt.momentums[i].numpy()
                np.testing.assert_allclose(velocity, -opt.lr * opt.state[i]["v"], rtol=1e-13, atol=1e-15)


def test_torch_sgd_with_dampening_beta_is_not_the_articles_momentum(problem):
    params0, grads_seq = problem
    lr, beta = 0.1, 0.875
    params = [torch.nn.Parameter(torch.tensor(p)) for p in params0]
    dampened = torch.optim.SGD(params, lr=lr, momentum=beta, dampening=beta)
    for grads in grads_seq:
        for p, g in zip(params, grads):
            p.grad = torch.tensor(g)
        dampened.step()
    lib_final = [t[-1] for t in run_lib(Momentum(lr=lr, beta=beta), params0, grads_seq)]
    # torch's first buffer is g1, not (1-β)·g1; the excess β·g1 then decays by β each step,
    # so after T steps the parameters differ by exactly lr·g1·(β + β² + ... + β^T).
    T = len(grads_seq)
    excess = lr * beta * (1 - beta**T) / (1 - beta)
    for p, theta, g1 in zip(params, lib_final, grads_seq[0]):
        np.testing.assert_allclose(theta - p.detach().numpy(), excess * g1, atol=1e-12)
    gap = max_gap([p.detach().numpy() for p in params], lib_final)
    assert gap > 0.5  # measured 1.63 (= 0.7·max|g1|): a different algorithm, not rounding


# -- the closest pairs: what exactly differs ------------------------------------------------------

def _rmsprop_eps_outside(params0, grads_seq, lr, beta, eps):
    """What PyTorch's RMSprop computes, written out: ε outside the square root."""
    params = [p.copy() for p in params0]
    s = [np.zeros_like(p) for p in params0]
    path = [[p.copy() for p in params]]
    for grads in grads_seq:
        for theta, si, g in zip(params, s, grads):
            si *= beta
            si += (1 - beta) * g**2
            theta -= lr * g / (np.sqrt(si) + eps)
        path.append([p.copy() for p in params])
    return [np.stack(x) for x in zip(*path)]


def test_torch_rmsprop_is_the_eps_outside_formula(problem):
    params0, grads_seq = problem
    opt = RMSProp(lr=0.01, beta=0.9, eps=1e-8)
    reference = _rmsprop_eps_outside(params0, grads_seq, opt.lr, opt.beta, opt.eps)
    assert max_gap(run_torch(opt, params0, grads_seq), reference) <= EXACT_FLOAT64


def test_torch_rmsprop_step_differs_by_the_stated_factor():
    g, lr, beta, eps = np.array([3e-4, 1.0]), 0.01, 0.9, 1e-8
    opt = RMSProp(lr=lr, beta=beta, eps=eps)
    lib_step, torch_step = [np.diff(run(opt, [np.zeros(2)], [[g]])[0], axis=0)[0]
                            for run in (run_lib, run_torch)]
    s = (1 - beta) * g**2
    np.testing.assert_allclose(torch_step / lib_step, np.sqrt(s + eps) / (np.sqrt(s) + eps), rtol=1e-12)
    # s ≫ ε: "about 1 + ε/(2s) − ε/√s"
    np.testing.assert_allclose(torch_step[1] / lib_step[1] - 1, eps / (2 * s[1]) - eps / np.sqrt(s[1]),
                               rtol=1e-3)


def test_torch_rmsprop_steps_are_far_larger_where_gradients_vanish():
    # s ≈ 1e-13 ≪ ε: lib divides by √ε = 1e-4, PyTorch by √s + ε ≈ 3.3e-7.
    g = np.array([1e-6])
    opt = RMSProp(lr=0.01, beta=0.9, eps=1e-8)
    lib_step, torch_step = [np.diff(run(opt, [np.zeros(1)], [[g]])[0], axis=0)[0, 0]
                            for run in (run_lib, run_torch)]
    assert torch_step / lib_step > 100  # measured 307; at most 1/√ε = 1e4


def test_torch_rmsprop_and_lib_agree_exactly_when_eps_vanishes(problem):
    # lib requires eps > 0; 1e-300 added to s ≥ 1e-20 leaves it unchanged in float64.
    params0, grads_seq = problem
    lib = run_lib(RMSProp(lr=0.01, beta=0.9, eps=1e-300), params0, grads_seq)
    params = [torch.nn.Parameter(torch.tensor(p)) for p in params0]
    torch_opt = torch.optim.RMSprop(params, lr=0.01, alpha=0.9, eps=0.0)
    for grads in grads_seq:
        for p, g in zip(params, grads):
            p.grad = torch.tensor(g)
        torch_opt.step()
    assert max_gap([p.detach().numpy() for p in params], [t[-1] for t in lib]) <= EXACT_FLOAT64


class _AdamWithKerasEpsilon(Adam):
    """The article's Adam with ε replaced by Keras's step-dependent ε_t = ε̂/√(1 − β2^t)."""

    def __init__(self, eps_hat, **kwargs):
        super().__init__(eps=eps_hat, **kwargs)
        self.eps_hat = eps_hat

    def update(self, theta, g, state, lr):
        self.eps = keras_adam_epsilon(self.eps_hat, self.beta2, self.t)
        super().update(theta, g, state, lr)


def _replay(opt, params0, grads_seq):
    params = [p.copy() for p in params0]
    path = [[p.copy() for p in params]]
    for grads in grads_seq:
        opt.step(params, grads)
        path.append([p.copy() for p in params])
    return [np.stack(x) for x in zip(*path)]


@pytest.mark.parametrize("eps_hat", [1e-8, 1e-7, 1e-3])
def test_keras_adam_is_the_article_with_eps_t(problem, eps_hat):
    params0, grads_seq = problem
    opt = Adam(lr=0.01, beta1=0.875, beta2=1 - 2**-10, eps=eps_hat)
    reference = _replay(_AdamWithKerasEpsilon(eps_hat, lr=0.01, beta1=0.875, beta2=1 - 2**-10),
                        params0, grads_seq)
    keras_path = run_keras(opt, params0, grads_seq)
    assert max_gap(keras_path, reference) <= EXACT_FLOAT64
    assert max_gap(keras_path, run_lib(opt, params0, grads_seq)) > 1e-9


def test_keras_adam_and_lib_agree_exactly_when_eps_vanishes(problem):
    params0, grads_seq = problem
    opt = Adam(lr=0.01, beta1=0.875, beta2=1 - 2**-10, eps=1e-300)  # lib needs eps > 0
    keras_path = run_keras(opt, params0, grads_seq)  # epsilon=1e-300 adds nothing either
    assert max_gap(keras_path, run_lib(opt, params0, grads_seq)) <= EXACT_FLOAT64


def test_keras_adam_epsilon_is_the_stated_value():
    assert keras_adam_epsilon(1e-7, 0.999, 1) == pytest.approx(3.1623e-6, rel=1e-4)
    assert keras_adam_epsilon(1e-8, 0.999, 1) / 1e-8 == pytest.approx(31.62, rel=1e-3)
    assert keras_adam_epsilon(1e-8, 0.999, 100_000) == pytest.approx(1e-8, rel=1e-12)


# -- a framework Adam whose step counter never advances ------------------------------------------

def _adam_with_t_stuck_at_1(opt, params0, grads_seq):
    """The bug of a well-known book's TensorFlow Adam: bias correction always at t = 1."""
    params = [p.copy() for p in params0]
    path = [[p.copy() for p in params]]
    for grads in grads_seq:
        opt.t = 0
        opt.step(params, grads)
        path.append([p.copy() for p in params])
    return [np.stack(x) for x in zip(*path)]


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_framework_adam_advances_t_so_a_frozen_t_adam_is_caught(problem, framework):
    params0, grads_seq = problem
    opt = _opt("Adam")
    framework_path = RUNNERS[framework](opt, params0, grads_seq)
    frozen = _adam_with_t_stuck_at_1(Adam(**opt.hyperparameters()), params0, grads_seq)
    correct = run_lib(opt, params0, grads_seq)
    assert max_gap(framework_path, correct) < 1e-6   # Keras: measured 1.0e-7 (its ε_t)
    assert max_gap(framework_path, frozen) > 1e-2    # measured 0.079
    assert max_gap(frozen, correct) > 1e-2


# -- schedules ----------------------------------------------------------------------------------

SCHEDULE = inverse_time(0.1, decay=0.05)


def _scheduled(name):
    return {"GD": GD(lr=SCHEDULE), "Momentum": Momentum(lr=SCHEDULE, beta=0.875),
            "RMSProp": RMSProp(lr=SCHEDULE, beta=0.9), "Adam": Adam(lr=SCHEDULE, beta1=0.875,
                                                                    beta2=1 - 2**-10)}[name]


@pytest.mark.parametrize("name", ["GD", "Momentum", "Adam"])
def test_torch_follows_a_schedule_exactly(problem, name):
    params0, grads_seq = problem
    opt = _scheduled(name)
    assert equivalence(opt, "torch").exact
    assert max_gap(run_torch(opt, params0, grads_seq), run_lib(opt, params0, grads_seq)) <= EXACT_FLOAT64


@pytest.mark.parametrize("name", ["GD", "Momentum", "RMSProp", "Adam"])
def test_torch_schedule_call_with_lambdalr_gives_the_same_trajectory(problem, name):
    params0, grads_seq = problem
    opt = _scheduled(name)
    params = [torch.nn.Parameter(torch.tensor(p)) for p in params0]
    scope = {"torch": torch, "params": params, "lr": opt.lr}
    exec(equivalence(opt, "torch").call, scope)
    for grads in grads_seq:
        for p, g in zip(params, grads):
            p.grad = torch.tensor(g)
        scope["optimizer"].step()
        scope["scheduler"].step()
    expected = [t[-1] for t in run_torch(opt, params0, grads_seq)]
    assert max_gap([p.detach().numpy() for p in params], expected) == 0.0


@pytest.mark.parametrize("name", ["GD", "RMSProp"])
def test_keras_follows_a_schedule_exactly(problem, name):
    params0, grads_seq = problem
    opt = _scheduled(name)
    assert equivalence(opt, "keras").exact
    assert max_gap(run_keras(opt, params0, grads_seq), run_lib(opt, params0, grads_seq)) <= EXACT_FLOAT64


def test_keras_momentum_with_a_schedule_is_the_heavy_ball_with_lr_inside(problem):
    params0, grads_seq = problem
    opt = _scheduled("Momentum")
    assert not equivalence(opt, "keras").exact
    keras_path = run_keras(opt, params0, grads_seq)
    # Keras: m ← β·m − η_t(1 − β)·g, θ ← θ + m
    params = [p.copy() for p in params0]
    m = [np.zeros_like(p) for p in params0]
    for t, grads in enumerate(grads_seq, start=1):
        for theta, mi, g in zip(params, m, grads):
            mi *= opt.beta
            mi -= SCHEDULE(t) * (1 - opt.beta) * g
            theta += mi
    assert max_gap([x[-1] for x in keras_path], params) <= EXACT_FLOAT64
    assert max_gap(keras_path, run_lib(opt, params0, grads_seq)) > 1e-2  # measured 0.058


def test_keras_schedule_call_string_names_keras_schedule():
    call = equivalence(_scheduled("Momentum"), "keras").call
    assert call == ("keras.optimizers.SGD(learning_rate=lib.frameworks.keras_schedule(lr, "
                    "scale=1 - 0.875), momentum=0.875)")
    import lib
    optimizer = eval(call, {"keras": keras, "lib": lib, "lr": SCHEDULE})
    assert float(optimizer.learning_rate) == pytest.approx(SCHEDULE(1) * (1 - 0.875), rel=1e-7)


def test_keras_own_inverse_time_decay_is_one_step_behind_lib(problem):
    # Keras evaluates its schedules at `iterations` (0 on the first step); lib at t = 1, 2, ...
    decay = keras.optimizers.schedules.InverseTimeDecay(0.1, decay_steps=1, decay_rate=0.05)
    keras_opt = keras.optimizers.SGD(learning_rate=decay)
    variable = keras.Variable(np.zeros(1, dtype="float32"))
    rates = []
    for _ in range(3):
        rates.append(float(keras_opt.learning_rate))
        keras_opt.apply([keras.ops.ones((1,))], [variable])
    np.testing.assert_allclose(rates, [0.1, SCHEDULE(1), SCHEDULE(2)], rtol=1e-6)
    with_lib = keras.optimizers.SGD(learning_rate=keras_schedule(SCHEDULE))
    assert float(with_lib.learning_rate) == pytest.approx(SCHEDULE(1), rel=1e-7)


def test_a_negative_scheduled_lr_is_caught_by_name_in_torch():
    opt = GD(lr=lambda t: 0.1 - 0.06 * t)  # negative from t = 2
    with pytest.raises(ValueError, match="lr"):
        run_torch(opt, [np.zeros(2)], [[np.ones(2)]] * 2)


def test_keras_schedule_rejects_a_number():
    with pytest.raises(TypeError, match="lr"):
        keras_schedule(0.1)


# -- the replay helpers ---------------------------------------------------------------------------

@pytest.mark.parametrize("run", [run_lib, run_torch, run_keras], ids=lambda f: f.__name__)
def test_replay_returns_a_trajectory_per_param_and_changes_nothing(problem, run):
    params0, grads_seq = problem
    grads_seq = grads_seq[:5]
    params_before = [p.copy() for p in params0]
    grads_before = [[g.copy() for g in step] for step in grads_seq]
    opt = Adam(lr=0.01)
    paths = run(opt, params0, grads_seq, dtype=np.float32)
    assert [p.shape for p in paths] == [(6, 3), (6, 2, 2)]
    assert all(p.dtype == np.float32 for p in paths)
    np.testing.assert_array_equal(paths[0][0], params0[0].astype(np.float32))
    for before, after in zip(params_before, params0):
        np.testing.assert_array_equal(before, after)
    for before, after in zip(grads_before, grads_seq):
        for b, a in zip(before, after):
            np.testing.assert_array_equal(b, a)
    assert opt.t == 0 and opt.state == {}


@pytest.mark.parametrize("run", [run_lib, run_torch, run_keras], ids=lambda f: f.__name__)
def test_replay_rejects_mismatched_gradients_by_name(run):
    params0 = [np.zeros(3)]
    with pytest.raises(ValueError, match=r"grads_seq\[1\]"):
        run(GD(lr=0.1), params0, [[np.ones(3)], [np.ones(3), np.ones(3)]])
    with pytest.raises(ValueError, match=r"grads_seq\[0\]\[0\]"):
        run(GD(lr=0.1), params0, [[np.ones(2)]])
    with pytest.raises(ValueError, match=r"grads_seq\[0\]\[0\]"):
        run(GD(lr=0.1), params0, [[np.array([1.0, np.nan, 0.0])]])
    with pytest.raises(TypeError, match="params0"):
        run(GD(lr=0.1), np.zeros(3), [])
    with pytest.raises(TypeError, match="dtype"):
        run(GD(lr=0.1), params0, [], dtype=np.int64)


def test_max_gap_compares_lists_and_arrays_and_rejects_mismatches():
    assert max_gap([np.zeros(2), np.ones(3)], [np.zeros(2), np.array([1.0, 1.5, 1.0])]) == 0.5
    assert max_gap(np.zeros(2), np.array([0.0, -2.0])) == 2.0
    with pytest.raises(ValueError, match="shape"):
        max_gap([np.zeros(2)], [np.zeros(3)])
    with pytest.raises(ValueError, match="arrays"):
        max_gap([np.zeros(2)], [np.zeros(2), np.zeros(2)])


def test_main_prints_the_table(capsys, monkeypatch):
    monkeypatch.setattr(frameworks, "measure_gaps",
                        lambda steps: [{"optimizer": "GD", "framework": "torch", "dtype": "float64",
                                        "exact": True, "max_gap": 2.2e-16}])
    frameworks.main()
    out = capsys.readouterr().out
    assert "GD         torch     float64  yes    2.20e-16" in out
    assert "torch.optim.SGD(params, lr=0.1)" in out


def test_keras_schedule_in_a_traced_fit_needs_arithmetic_only():
    from lib.schedules import step_decay

    def fit(schedule):
        model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=keras_schedule(schedule)), loss="mse")
        model.fit(np.ones((4, 1)), np.ones((4, 1)), batch_size=2, epochs=1, verbose=0)
        return model.optimizer

    optimizer = fit(SCHEDULE)  # two traced steps
    assert float(optimizer.learning_rate) == pytest.approx(SCHEDULE(3), rel=1e-6)
    with pytest.raises(TypeError, match="lr"):
        fit(step_decay(0.1, every=2))


def test_docstring_examples_hold():
    import doctest

    result = doctest.testmod(frameworks)
    assert result.attempted >= 5 and result.failed == 0


def test_keras_gets_floats_even_for_integer_hyperparameters():
    # Keras itself refuses momentum=0 and learning_rate=1 (ints); to_keras passes floats.
    with pytest.raises(ValueError, match="momentum"):
        keras.optimizers.SGD(learning_rate=0.1, momentum=0)
    with pytest.raises(ValueError, match="learning_rate"):
        keras.optimizers.SGD(learning_rate=1)
    optimizer = to_keras(Momentum(lr=1, beta=0))
    assert optimizer.momentum == 0.0 and float(optimizer.learning_rate) == 1.0


# -- Nesterov, Adagrad, AdamW ----------------------------------------------------------------------

def test_torch_nesterov_with_the_same_lr_is_not_the_articles_form(problem):
    # SGD(lr=η, momentum=β, nesterov=True) steps (1/(1-β)) times too far: the lr must carry 1 − β
    params0, grads_seq = problem
    opt = Nesterov(lr=0.01, beta=0.875)
    tensors = [torch.nn.Parameter(torch.from_numpy(p.copy())) for p in params0]
    wrong = torch.optim.SGD(tensors, lr=0.01, momentum=0.875, nesterov=True)
    for step in grads_seq[:5]:
        for tensor, g in zip(tensors, step):
            tensor.grad = torch.from_numpy(g)
        wrong.step()
    right = run_lib(opt, params0, grads_seq[:5])
    assert max_gap([t.detach().numpy() for t in tensors], [x[-1] for x in right]) > 1e-3


def test_nesterov_is_momentum_evaluated_one_step_ahead(problem):
    # lib's Nesterov iterates are the look-ahead points θ − ηβv of the article's Momentum run
    # with the gradient taken there (Sutskever's form): checked on a quadratic
    np_ = np
    A = np_.diag([1.0, 10.0])
    grad = lambda x: A @ x  # noqa: E731
    eta, beta = 0.05, 0.875
    theta, v = np_.array([1.0, 1.0]), np_.zeros(2)
    phi = theta.copy()
    nesterov = Nesterov(lr=eta, beta=beta)
    for _ in range(30):
        v = beta * v + (1 - beta) * grad(theta - eta * beta * v)
        theta = theta - eta * v
        nesterov.step([phi], [grad(phi)])
        np_.testing.assert_allclose(phi, theta - eta * beta * v, rtol=0, atol=1e-14)


def test_keras_adamw_and_lib_agree_exactly_when_eps_vanishes(problem):
    params0, grads_seq = problem
    opt = AdamW(lr=0.01, beta1=0.875, beta2=1 - 2**-10, eps=1e-300, weight_decay=2**-4)
    assert max_gap(run_keras(opt, params0, grads_seq), run_lib(opt, params0, grads_seq)) \
        <= EXACT_FLOAT64


def test_keras_rounds_weight_decay_to_float32_even_in_float64(problem):
    params0, grads_seq = problem
    opt = AdamW(lr=0.01, beta1=0.875, beta2=1 - 2**-10, eps=1e-300, weight_decay=0.1)
    gap = max_gap(run_keras(opt, params0, grads_seq), run_lib(opt, params0, grads_seq))
    assert 1e-12 < gap < 1e-7  # 0.1 is not a float32 number


def test_adamw_is_not_adam_with_l2(problem):
    # torch Adam(weight_decay=λ) adds λθ to g (L2), which Adam then divides by √v̂: not AdamW
    params0, grads_seq = problem
    opt = AdamW(lr=0.01, weight_decay=0.5)
    tensors = [torch.nn.Parameter(torch.from_numpy(p.copy())) for p in params0]
    l2 = torch.optim.Adam(tensors, lr=0.01, weight_decay=0.5)
    for step in grads_seq:
        for tensor, g in zip(tensors, step):
            tensor.grad = torch.from_numpy(g)
        l2.step()
    right = run_lib(opt, params0, grads_seq)
    assert max_gap([t.detach().numpy() for t in tensors], [x[-1] for x in right]) > 1e-3


def test_torch_adagrad_and_lib_agree_exactly_when_eps_vanishes(problem):
    params0, grads_seq = problem
    opt = Adagrad(lr=0.1, eps=1e-300)
    assert max_gap(run_torch(opt, params0, grads_seq), run_lib(opt, params0, grads_seq)) \
        <= EXACT_FLOAT64


def test_keras_adagrad_default_start_is_matched_by_initial_accumulator(problem):
    params0, grads_seq = problem
    opt = Adagrad(lr=0.1, eps=1e-7, initial_accumulator=0.1)
    keras_default = keras.optimizers.Adagrad(learning_rate=0.1)
    assert keras_default.initial_accumulator_value == 0.1 and keras_default.epsilon == 1e-7
    # Keras's Constant initializer rounds 0.1 through float32 (measured gap 5.1e-10 in float64);
    # a start exactly representable in float32 agrees to rounding
    assert max_gap(run_keras(opt, params0, grads_seq), run_lib(opt, params0, grads_seq)) < 1e-8
    exact_start = Adagrad(lr=0.1, eps=1e-7, initial_accumulator=0.125)
    assert max_gap(run_keras(exact_start, params0, grads_seq),
                   run_lib(exact_start, params0, grads_seq)) <= EXACT_FLOAT64
    assert max_gap(run_lib(Adagrad(lr=0.1, eps=1e-7), params0, grads_seq),
                   run_lib(opt, params0, grads_seq)) > 1e-3


@pytest.mark.parametrize("opt", [Nesterov(lr=SCHEDULE, beta=0.875),
                                 AdamW(lr=SCHEDULE, beta1=0.875, beta2=1 - 2**-10,
                                       weight_decay=2**-4)], ids=repr)
def test_torch_follows_a_schedule_exactly_for_the_new_optimizers(problem, opt):
    params0, grads_seq = problem
    assert max_gap(run_torch(opt, params0, grads_seq), run_lib(opt, params0, grads_seq)) \
        <= EXACT_FLOAT64


# -- the frameworks' own schedules ------------------------------------------------------------------

@pytest.fixture(scope="module")
def schedule_gaps():
    rows = frameworks.measure_schedule_gaps(100)
    return {(r["schedule"], r["framework"], r["dtype"]): r["max_rel_gap"] for r in rows}


@pytest.mark.parametrize("name", ["step_decay", "cosine", "linear_warmup", "warmup_cosine"])
@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_native_schedules_equal_lib_step_by_step(schedule_gaps, name, framework):
    # Measured: ≤ 1.2e-14 relative in float64; Keras in float32 up to 2.2e-5 relative (at the
    # end of the cosine, where η is tiny); PyTorch keeps η as a Python float in both dtypes.
    assert schedule_gaps[(name, framework, "float64")] <= 1e-13
    assert schedule_gaps[(name, framework, "float32")] <= (1e-13 if framework == "torch" else 1e-4)


def test_both_frameworks_count_from_zero_and_torch_steps_the_scheduler_after_the_update():
    # Step decay by half every 2 updates: updates 1, 2 use η0, 3 and 4 use η0/2. Keras evaluates
    # its schedule at iterations = 0 for update 1; PyTorch's last_epoch is 0 for update 1 because
    # scheduler.step() is called after optimizer.step().
    lr = schedules.step_decay(0.1, every=2, factor=0.5)
    expected = [0.1, 0.1, 0.05, 0.05, 0.025]
    native = keras.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5, staircase=True)
    assert [float(native(k)) for k in range(5)] == pytest.approx(expected, rel=1e-7)
    assert list(frameworks.schedule_rates(lr, 5, "torch")) == pytest.approx(expected, rel=1e-15)
    assert list(frameworks.schedule_rates(lr, 5, "keras")) == pytest.approx(expected, rel=1e-15)
    # calling scheduler.step() BEFORE optimizer.step() shifts every rate one update early
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=1.0)
    scheduler = frameworks.torch_scheduler(optimizer, lr)
    early = []
    with pytest.warns(UserWarning, match="before `optimizer.step"):  # PyTorch warns, once
        for _ in range(5):
            scheduler.step()
            early.append(optimizer.param_groups[0]["lr"])
            param.grad = torch.zeros_like(param)
            optimizer.step()
    assert early == pytest.approx([0.1, 0.05, 0.05, 0.025, 0.025])


def test_keras_schedules_compute_in_float32_from_python_floats():
    # 0.1 as a Python float: the schedule's arithmetic is float32 even under floatx float64
    with keras_floatx("float64"):
        value = keras.optimizers.schedules.CosineDecay(0.1, 10)(3)
    assert keras.backend.standardize_dtype(value.dtype) == "float32"
    f64 = frameworks.keras_learning_rate(schedules.cosine(0.1, 10), "float64")(3)
    assert keras.backend.standardize_dtype(f64.dtype) == "float64"


def test_torch_cosine_rises_again_after_t_max_while_lib_stays_at_lr_min():
    lr = schedules.cosine(0.1, steps=10, lr_min=0.01)
    torch_rates = frameworks.schedule_rates(lr, 15, "torch")
    lib_rates = frameworks.schedule_rates(lr, 15)
    np.testing.assert_allclose(torch_rates[:11], lib_rates[:11], rtol=1e-13)
    assert lib_rates[14] == 0.01 and torch_rates[14] > 0.02


def test_schedules_without_a_native_equivalent_are_refused_by_name():
    with pytest.raises(ValueError, match="schedule"):
        frameworks.keras_learning_rate(inverse_time(0.1, 0.5))
    with pytest.raises(TypeError, match="schedule"):
        frameworks.torch_scheduler(torch.optim.SGD([torch.zeros(1, requires_grad=True)]),
                                   lambda t: 0.1)
