"""Unit tests of tinytorch.core.optimizers: hand-computed updates, validation, state round trips."""

import numpy as np
import pytest

from tinytorch.core.layers import Linear, Sequential
from tinytorch.core.optimizers import SGD, Adam, AdamW, Optimizer
from tinytorch.core.tensor import Tensor


def param(values, dtype=np.float64):
    return Tensor(np.array(values, dtype=dtype), requires_grad=True)


def set_grad(p, values):
    p.grad = Tensor(np.array(values, dtype=p.dtype))


# ----- hand-computed updates ------------------------------------------------------------------
def test_sgd_plain_step():
    p = param([1.0, -2.0])
    set_grad(p, [0.5, 1.0])
    SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, [0.95, -2.1])


def test_sgd_momentum_two_steps_by_hand():
    p = param([1.0])
    opt = SGD([p], lr=0.1, momentum=0.9)
    set_grad(p, [1.0])
    opt.step()  # buffer = 1, p = 1 - 0.1
    set_grad(p, [2.0])
    opt.step()  # buffer = 0.9 * 1 + 2 = 2.9, p = 0.9 - 0.29
    np.testing.assert_allclose(p.data, [0.61])
    np.testing.assert_allclose(opt.state[0]["momentum_buffer"], [2.9])


def test_sgd_dampening_nesterov_weight_decay_by_hand():
    p = param([2.0])
    opt = SGD([p], lr=0.5, momentum=0.5, dampening=0.5, weight_decay=0.25)
    set_grad(p, [1.0])
    opt.step()  # g = 1 + 0.5 = 1.5, buffer = 1.5 (no dampening on the first step), p = 2 - 0.75
    set_grad(p, [1.0])
    opt.step()  # g = 1 + 0.3125 = 1.3125, buffer = 0.75 + 0.65625, p = 1.25 - 0.703125
    np.testing.assert_allclose(p.data, [0.546875])
    q = param([1.0])
    nesterov = SGD([q], lr=0.1, momentum=0.5, nesterov=True)
    set_grad(q, [1.0])
    nesterov.step()  # buffer = 1, g = 1 + 0.5 * 1 = 1.5
    np.testing.assert_allclose(q.data, [0.85])


def test_adam_first_step_moves_each_weight_by_lr():
    p = param([1.0, -3.0, 0.5])
    set_grad(p, [1e-3, 20.0, -7.0])
    Adam([p], lr=0.01, eps=0.0).step()
    np.testing.assert_allclose(p.data, [0.99, -3.01, 0.51])


def test_adam_two_steps_by_hand():
    p = param([0.0])
    opt = Adam([p], lr=1.0, betas=(0.5, 0.5), eps=0.0)
    set_grad(p, [1.0])
    opt.step()
    set_grad(p, [3.0])
    opt.step()
    m, v = 0.5 * 0.5 + 0.5 * 3, 0.5 * 0.5 + 0.5 * 9  # 1.75 and 4.75
    expected = -1.0 - (m / 0.75) / (np.sqrt(v) / np.sqrt(0.75))
    np.testing.assert_allclose(p.data, [expected])
    assert opt.state[0]["step"] == 2


def test_adam_eps_is_the_documented_hyperparameter():
    p = param([0.0])
    set_grad(p, [0.0])
    Adam([p], lr=1.0, eps=1e-8).step()  # m = v = 0: the step is 0 / (0 + eps) = 0, not nan
    assert p.data[0] == 0.0
    q = param([0.0])
    set_grad(q, [1e-6])
    Adam([q], lr=1.0, eps=1e-6).step()  # |g| = eps: the step is halved
    np.testing.assert_allclose(q.data, [-0.5])


def test_adam_l2_versus_adamw_decoupled_decay():
    a, b = param([2.0]), param([2.0])
    set_grad(a, [0.0])
    set_grad(b, [0.0])
    Adam([a], lr=0.1, weight_decay=0.5, eps=0.0).step()  # g = 1: a normal Adam step of lr
    AdamW([b], lr=0.1, weight_decay=0.5).step()  # p * (1 - 0.05), then a zero step
    np.testing.assert_allclose(a.data, [1.9])
    np.testing.assert_allclose(b.data, [1.9])
    c = param([2.0])
    set_grad(c, [0.0])
    AdamW([c], lr=0.1, weight_decay=0.1).step()
    np.testing.assert_allclose(c.data, [1.98])


def test_amsgrad_uses_the_running_maximum():
    p = param([0.0])
    opt = Adam([p], lr=1.0, betas=(0.0, 0.5), eps=0.0, amsgrad=True)
    set_grad(p, [4.0])
    opt.step()
    set_grad(p, [1.0])
    opt.step()
    assert opt.state[0]["max_exp_avg_sq"][0] == 8.0  # v went 8 -> 4.5; the maximum stays 8
    np.testing.assert_allclose(p.data, [-1.0 - 1.0 / (np.sqrt(8.0) / np.sqrt(0.75))])


@pytest.mark.parametrize("make", [
    lambda ps: SGD(ps, lr=0.1, momentum=0.9), lambda ps: Adam(ps), lambda ps: AdamW(ps)])
def test_update_is_in_place_and_skips_missing_gradients(make):
    p, q = param([1.0, 2.0]), param([3.0])
    p_array = p.data
    opt = make([p, q])
    set_grad(p, [1.0, 1.0])
    opt.step()
    assert p.data is p_array and not np.array_equal(p.data, [1.0, 2.0])
    assert q.data[0] == 3.0 and opt.state[1] == {}
    assert p.grad is not None  # step() does not clear gradients; zero_grad() does


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parameters_keep_their_dtype(dtype):
    p = param([1.0, 2.0], dtype)
    opt = Adam([p], weight_decay=0.1)
    set_grad(p, [0.5, 0.5])
    opt.step()
    assert p.dtype == dtype and opt.state[0]["exp_avg"].dtype == dtype


def test_zero_grad():
    p, q = param([1.0]), param([2.0])
    set_grad(p, [5.0])
    opt = SGD([p, q], lr=0.1)
    opt.zero_grad(set_to_none=False)
    assert p.grad.data[0] == 0.0 and q.grad is None
    opt.zero_grad()
    assert p.grad is None


def test_works_with_a_model():
    layer = Linear(3, 2)
    opt = SGD(layer.parameters(), lr=0.1)
    (layer(Tensor(np.ones((4, 3), dtype=np.float32))) ** 2).mean().backward()
    before = layer.weight.data.copy()
    opt.step()
    np.testing.assert_allclose(layer.weight.data, before - 0.1 * layer.weight.grad.data, rtol=1e-6)


def test_a_frozen_parameter_is_accepted_and_skipped():
    # As in PyTorch: a parameter frozen with requires_grad = False stays in model.parameters(),
    # gets no .grad, and the optimizer leaves it (and its state) alone, weight decay included.
    layer = Linear(2, 1)
    layer.bias.requires_grad = False
    bias = layer.bias.data.copy()
    opt = AdamW(layer.parameters(), lr=0.1, weight_decay=0.5)
    layer(Tensor(np.ones((3, 2), dtype=np.float32))).sum().backward()
    opt.step()
    np.testing.assert_array_equal(layer.bias.data, bias)
    assert opt.state[1] == {} and opt.state[0]["step"] == 1


# ----- validation ------------------------------------------------------------------------------
@pytest.mark.parametrize("make, error, message", [
    (lambda: SGD([], lr=0.1), ValueError, "empty parameter list"),
    (lambda: SGD(iter([]), lr=0.1), ValueError, "empty parameter list"),
    (lambda: SGD([np.zeros(3)], lr=0.1), TypeError, "must be a Tensor"),
    (lambda: SGD(param([1.0]), lr=0.1), TypeError, "single Tensor"),
    (lambda: SGD(Linear(2, 2), lr=0.1), TypeError, "model.parameters()"),
    # A Sequential is iterable (over its layers), so it must not reach the per-tensor checks.
    (lambda: SGD(Sequential(Linear(2, 2)), lr=0.1), TypeError,
     "got Sequential (did you mean model.parameters()?)"),
    (lambda: Adam(Sequential(Linear(2, 2), Linear(2, 1))), TypeError, "model.parameters()"),
    (lambda: SGD([param([1.0]) * 2], lr=0.1), ValueError, "not a leaf"),
    (lambda: SGD(2 * [Linear(2, 2).weight], lr=0.1), ValueError, "more than once"),
    (lambda: SGD([param([1.0])], lr=-0.1), ValueError, "learning rate lr"),
    (lambda: SGD([param([1.0])], lr="0.1"), TypeError, "must be a number >= 0, got '0.1' (str)"),
    (lambda: SGD([param([1.0])], lr=float("nan")), ValueError, "must be a number"),
    (lambda: SGD([param([1.0])], lr=0.1, momentum=-0.5), ValueError, "momentum"),
    (lambda: SGD([param([1.0])], lr=0.1, weight_decay=-1), ValueError, "weight_decay"),
    (lambda: SGD([param([1.0])], lr=0.1, nesterov=True), ValueError, "Nesterov"),
    (lambda: SGD([param([1.0])], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
     ValueError, "zero dampening"),
    (lambda: SGD([param([1.0])], lr=0.1, nesterov=1), TypeError, "nesterov"),
    (lambda: Adam([param([1.0])], lr=-1.0), ValueError, "learning rate lr"),
    (lambda: Adam([param([1.0])], betas=(1.0, 0.999)), ValueError, "beta1"),
    (lambda: Adam([param([1.0])], betas=(0.9, -0.1)), ValueError, "beta2"),
    (lambda: Adam([param([1.0])], betas=0.9), TypeError, "pair"),
    (lambda: Adam([param([1.0])], betas=(0.9,)), ValueError, "pair"),
    (lambda: Adam([param([1.0])], betas=(0.9, "0.999")), TypeError, "beta2"),
    (lambda: Adam([param([1.0])], eps=-1e-8), ValueError, "epsilon eps"),
    (lambda: AdamW([param([1.0])], weight_decay=-0.01), ValueError, "weight_decay"),
    (lambda: Adam([param([1.0])], amsgrad="yes"), TypeError, "amsgrad"),
])
def test_bad_arguments_are_rejected(make, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        make()


def test_base_class_needs_update():
    p = param([1.0])
    set_grad(p, [1.0])
    with pytest.raises(NotImplementedError, match="Optimizer.update"):
        Optimizer([p]).step()


# ----- saving and loading ----------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    lambda ps: Adam(ps, lr=0.01, betas=(0.8, 0.99), amsgrad=True),
    lambda ps: AdamW(ps, lr=0.01),
])
def test_state_dict_round_trip_continues_exactly(make):
    def grads(step):
        return np.random.default_rng(step).normal(size=(2, 3))

    straight = param(np.ones((2, 3)))
    opt = make([straight])
    for step in range(6):
        straight.grad = Tensor(grads(step))
        opt.step()

    first = param(np.ones((2, 3)))
    opt1 = make([first])
    for step in range(3):
        first.grad = Tensor(grads(step))
        opt1.step()
    saved, saved_params = opt1.state_dict(), first.data.copy()
    for step in range(3):  # moving on must not change what was saved
        first.grad = Tensor(grads(100 + step))
        opt1.step()

    resumed = param(saved_params)
    opt2 = make([resumed])
    opt2.load_state_dict(saved)
    for step in range(3, 6):
        resumed.grad = Tensor(grads(step))
        opt2.step()
    np.testing.assert_array_equal(resumed.data, straight.data)


def test_state_dict_is_plain_data_and_restores_hyperparameters():
    p = param([1.0, 2.0])
    opt = Adam([p], lr=0.5, betas=(0.8, 0.9))
    set_grad(p, [1.0, 1.0])
    opt.step()
    state = opt.state_dict()
    assert state["optimizer"] == "Adam"
    assert state["hyperparameters"] == dict(lr=0.5, betas=[0.8, 0.9], eps=1e-8, weight_decay=0.0,
                                            amsgrad=False)
    assert state["state"][0]["step"] == 1 and isinstance(state["state"][0]["exp_avg"], np.ndarray)
    other = Adam([param([0.0, 0.0])])
    other.load_state_dict(state)
    assert other.lr == 0.5 and other.betas == (0.8, 0.9)


@pytest.mark.parametrize("change, message", [
    (lambda s: s.update(optimizer="SGD"), "saved by an SGD optimizer, not Adam"),
    (lambda s: s.pop("state"), "expected the dict"),
    (lambda s: s["hyperparameters"].pop("eps"), "hyper-parameters"),
    (lambda s: s["state"].append({}), "holds 2 parameters"),
    (lambda s: s["state"][0].update(exp_avg=np.zeros(3)), r"has shape \(3,\)"),
])
def test_load_state_dict_rejects_mismatches(change, message):
    p = param([1.0, 2.0])
    opt = Adam([p])
    set_grad(p, [1.0, 1.0])
    opt.step()
    state = opt.state_dict()
    change(state)
    with pytest.raises(ValueError, match=message):
        Adam([param([0.0, 0.0])]).load_state_dict(state)


def adam_after_one_step():
    p = param([1.0, 2.0])
    opt = Adam([p], lr=0.01)
    set_grad(p, [1.0, -1.0])
    opt.step()
    return opt


def sgd_after_one_step():
    p = param([1.0, 2.0])
    opt = SGD([p], lr=0.1, momentum=0.9)
    set_grad(p, [1.0, -1.0])
    opt.step()
    return opt


def setitem(container, key, value):
    container[key] = value


def hyper(name, value):
    return lambda s: setitem(s["hyperparameters"], name, value)


def state0(name, value):
    return lambda s: setitem(s["state"][0], name, value)


# Each change makes a state that the constructor or update() would never make:
# name of the case -> (the optimizer, what is done to its state dict, the message).
INVALID_STATES = {
    "negative-lr": (adam_after_one_step, hyper("lr", -1.0),
                    r"the saved hyper-parameters are invalid: Adam: learning rate lr must be a "
                    r"number >= 0, got -1.0"),
    "lr-string": (adam_after_one_step, hyper("lr", "0.1"),
                  r"invalid: Adam: learning rate lr must be a number >= 0, got '0.1' \(str\)"),
    "beta1-is-1": (adam_after_one_step, hyper("betas", [1.0, 0.999]),
                   r"invalid: Adam: beta1 \(betas\[0\]\) must be a number in \[0, 1\), got 1.0"),
    "one-beta": (adam_after_one_step, hyper("betas", [0.9]),
                 r"invalid: Adam: betas must be a pair \(beta1, beta2\), got \[0.9\]"),
    "negative-eps": (adam_after_one_step, hyper("eps", -1e-8),
                     r"invalid: Adam: epsilon eps must be a number >= 0"),
    "amsgrad-string": (adam_after_one_step, hyper("amsgrad", "yes"),
                       r"invalid: Adam: amsgrad must be True or False, got 'yes'"),
    "nesterov-int": (sgd_after_one_step, hyper("nesterov", 1),
                     r"invalid: SGD: nesterov must be True or False, got 1"),
    "nesterov-without-momentum": (
        sgd_after_one_step, lambda s: s["hyperparameters"].update(momentum=0.0, nesterov=True),
        r"invalid: SGD: Nesterov momentum requires a momentum > 0"),
    "hyperparameters-a-list": (adam_after_one_step, lambda s: setitem(s, "hyperparameters", ["lr"]),
                               r"'hyperparameters' must be a dict of name -> value, got list"),
    "state-a-dict": (adam_after_one_step, lambda s: setitem(s, "state", {0: {}}),
                     r"'state' must be a list with one dict per parameter, got dict"),
    "state-entry-a-list": (adam_after_one_step, lambda s: setitem(s["state"], 0, [1, 2]),
                           r"state\[0\] must be a dict, got list"),
    "missing-exp_avg_sq": (adam_after_one_step, lambda s: s["state"][0].pop("exp_avg_sq"),
                           r"state\[0\] has the keys \['exp_avg', 'step'\], but Adam keeps "
                           r"\['exp_avg', 'exp_avg_sq', 'step'\] \(or none before the "
                           r"parameter's first update\)"),
    "unknown-key": (adam_after_one_step, state0("momentum", np.zeros(2)),
                    r"state\[0\] has the keys \['exp_avg', 'exp_avg_sq', 'momentum', 'step'\]"),
    "amsgrad-without-its-state": (
        adam_after_one_step, hyper("amsgrad", True),
        r"but Adam keeps \['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq', 'step'\]"),
    "buffer-without-momentum": (
        sgd_after_one_step, hyper("momentum", 0.0),
        r"state\[0\] has the keys \['momentum_buffer'\], but SGD keeps \[\]"),
    "negative-step": (adam_after_one_step, state0("step", -1),
                      r"state\[0\]\['step'\] must be a step count \(an integer >= 0\), got -1"),
    "fractional-step": (adam_after_one_step, state0("step", 1.5),
                        r"state\[0\]\['step'\] must be a step count \(an integer >= 0\), "
                        r"got 1.5"),
    "list-not-array": (adam_after_one_step, state0("exp_avg", [0.0, 0.0]),
                       r"state\[0\]\['exp_avg'\] must be a floating-point numpy array, got "
                       r"\[0.0, 0.0\]"),
    "string-array": (adam_after_one_step, state0("exp_avg", np.array(["a", "b"])),
                     r"state\[0\]\['exp_avg'\] must be a floating-point numpy array, got"),
}


@pytest.mark.parametrize("case", INVALID_STATES)
def test_load_state_dict_checks_everything_before_changing_anything(case):
    make, change, message = INVALID_STATES[case]
    saved = make().state_dict()
    change(saved)
    opt = make()
    set_grad(opt.params[0], [0.5, 0.5])
    opt.step()  # a state of its own, different from the saved one
    before = opt.state_dict()
    with pytest.raises(ValueError, match=rf"^{type(opt).__name__}\.load_state_dict: .*{message}"):
        opt.load_state_dict(saved)
    after = opt.state_dict()
    assert after["hyperparameters"] == before["hyperparameters"]
    assert after["state"][0].keys() == before["state"][0].keys()
    for key, value in before["state"][0].items():
        np.testing.assert_array_equal(after["state"][0][key], value, err_msg=key)


def test_load_state_dict_keeps_the_constructors_types():
    saved = adam_after_one_step().state_dict()
    saved["hyperparameters"]["lr"] = 1  # an int, as JSON may give it back
    opt = Adam([param([0.0, 0.0])])
    opt.load_state_dict(saved)
    assert opt.lr == 1.0 and isinstance(opt.lr, float) and opt.betas == (0.9, 0.999)


@pytest.mark.parametrize("saved_by, loaded_by, message", [
    (Adam, SGD, "saved by an Adam optimizer, not SGD"),
    (AdamW, Adam, "saved by an AdamW optimizer, not Adam"),
    (SGD, AdamW, "saved by an SGD optimizer, not AdamW"),
])
def test_load_state_dict_names_the_other_optimizer(saved_by, loaded_by, message):
    state = saved_by([param([1.0])], lr=0.1).state_dict()
    with pytest.raises(ValueError, match=message):
        loaded_by([param([1.0])], lr=0.1).load_state_dict(state)


def test_repr():
    assert repr(SGD([param([1.0])], lr=0.1)) == (
        "SGD(lr=0.1, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0)")
