"""Layers: Module (parameters, modes, state, repr), Linear, Sequential and Dropout."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinytorch import Tensor, manual_seed
from tinytorch.core.activations import ReLU
from tinytorch.core.layers import Dropout, Linear, LinearFunction, Module, Sequential
from tinytorch.core.optimizers import SGD
from tinytorch.core.training import load_checkpoint, save_checkpoint

from .strategies import arrays, assert_gradients_match

pytestmark = pytest.mark.filterwarnings("error")


class Affine(Module):
    """A module with its own parameters, a list of children and a child: the three kinds."""

    def __init__(self):
        super().__init__()
        self.scale = Tensor(np.array([2.0]), requires_grad=True)
        self.constant = Tensor(np.array([1.0]))  # no requires_grad: not a parameter
        self.blocks = [Linear(2, 3), ReLU()]
        self.head = Linear(3, 1, bias=False)
        self.note = "not a module"

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.head(x) * self.scale


# ----- Module -----------------------------------------------------------------------------------------
def test_named_parameters_in_torch_order_with_dotted_names():
    model = Affine()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["scale", "blocks.0.weight", "blocks.0.bias", "head.weight"]
    assert [p for _, p in model.named_parameters()] == model.parameters()
    assert model.parameters()[0] is model.scale
    assert all(p.requires_grad for p in model.parameters())


def test_named_children_and_modules():
    model = Affine()
    assert [name for name, _ in model.named_children()] == ["blocks.0", "blocks.1", "head"]
    assert [type(m).__name__ for m in model.modules()] == ["Affine", "Linear", "ReLU", "Linear"]


def test_a_shared_parameter_is_listed_once():
    first = Linear(2, 2)
    second = Linear(2, 2)
    second.weight = first.weight
    model = Sequential(first, second)
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias", "1.bias"]
    assert len(Sequential(first, first).parameters()) == 2


def test_calling_a_module_calls_forward():
    model = Affine()
    y = model(Tensor(np.ones((4, 2), dtype=np.float32)))
    assert y.shape == (4, 1)
    y.sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())


def test_forward_must_be_written():
    class Empty(Module):
        pass

    with pytest.raises(NotImplementedError, match="Empty.forward is not implemented"):
        Empty()(Tensor([1.0]))


def test_train_and_eval_reach_every_descendant():
    model = Sequential(Linear(2, 2), Sequential(Dropout(0.5), ReLU()))
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    assert model.train() is model
    assert all(m.training for m in model.modules())
    model.train(False)
    assert not any(m.training for m in model.modules())


@pytest.mark.parametrize("mode", [0, 1, "yes", None])
def test_train_mode_must_be_a_bool(mode):
    with pytest.raises(TypeError, match=r"train\(\): mode must be True or False, got"):
        Linear(1, 1).train(mode)


def test_zero_grad():
    model = Affine()
    model(Tensor(np.ones((1, 2), dtype=np.float32))).sum().backward()
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_state_dict_is_a_copy_with_dotted_names():
    model = Affine()
    state = model.state_dict()
    assert list(state) == ["scale", "blocks.0.weight", "blocks.0.bias", "head.weight"]
    assert all(isinstance(v, np.ndarray) for v in state.values())
    state["scale"][0] = 100.0
    assert model.scale.data[0] == 2.0


def test_load_state_dict_copies_values_into_the_same_tensors():
    source, target = Affine(), Affine()
    params_before = target.parameters()
    target.load_state_dict(source.state_dict())
    for (name, mine), theirs in zip(target.named_parameters(), source.parameters()):
        np.testing.assert_array_equal(mine.data, theirs.data, err_msg=name)
    # the optimizer holds these tensors: they must be the same objects, updated in place
    assert all(a is b for a, b in zip(params_before, target.parameters()))
    assert target.blocks[0].weight.data is not source.blocks[0].weight.data


def test_load_state_dict_accepts_tensors():
    layer = Linear(2, 1)
    layer.load_state_dict({"weight": Tensor([[1.0, 2.0]]), "bias": Tensor([3.0])})
    np.testing.assert_array_equal(layer.weight.data, [[1.0, 2.0]])


def test_load_state_dict_errors():
    layer = Linear(2, 3)
    with pytest.raises(TypeError, match="load_state_dict: expected a dict of name -> array, got list"):
        layer.load_state_dict([np.ones((3, 2))])
    with pytest.raises(ValueError, match=r"missing: \['bias'\]; unexpected: none"):
        layer.load_state_dict({"weight": np.ones((3, 2))})
    with pytest.raises(ValueError, match=r"missing: none; unexpected: \['extra'\]"):
        layer.load_state_dict({"weight": np.ones((3, 2)), "bias": np.ones(3), "extra": 1})
    with pytest.raises(ValueError, match=r"load_state_dict: weight has shape \(2, 3\) in the state "
                                         r"but \(3, 2\) in the model"):
        layer.load_state_dict({"weight": np.ones((2, 3)), "bias": np.ones(3)})


# A frozen parameter (requires_grad=False after it was created) is still a parameter, as an
# nn.Parameter is in PyTorch: the optimizer skips it (no .grad), the checkpoint keeps it.
def test_a_frozen_parameter_stays_a_parameter():
    layer = Linear(3, 2)
    layer.bias.requires_grad = False
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    assert layer.parameters()[1] is layer.bias
    assert list(layer.state_dict()) == ["weight", "bias"]
    layer(Tensor(np.ones((4, 3), dtype=np.float32))).sum().backward()
    assert layer.weight.grad is not None and layer.bias.grad is None
    layer.bias.requires_grad = True  # unfrozen, it trains again
    layer(Tensor(np.ones((4, 3), dtype=np.float32))).sum().backward()
    np.testing.assert_array_equal(layer.bias.grad.data, [4.0, 4.0])


def test_freezing_works_in_a_module_that_skips_module_init():
    class NoInit(Module):
        def __init__(self):  # no super().__init__(): Module must cope, as it does for .training
            self.scale = Tensor(np.array([2.0]), requires_grad=True)
            self.constant = Tensor(np.array([1.0]))

    model = NoInit()
    model.scale.requires_grad = False
    assert [name for name, _ in model.named_parameters()] == ["scale"]
    assert list(model.state_dict()) == ["scale"]


def test_load_state_dict_fills_a_frozen_parameter():
    source, target = Linear(2, 2), Linear(2, 2)
    for layer in (source, target):
        layer.bias.requires_grad = False
    target.load_state_dict(source.state_dict())
    np.testing.assert_array_equal(target.bias.data, source.bias.data)
    assert not target.bias.requires_grad  # loading values does not unfreeze


def test_a_checkpoint_keeps_a_frozen_parameter(tmp_path):
    def frozen_model():
        model = Sequential(Linear(3, 4), ReLU(), Linear(4, 1))
        model[0].bias.requires_grad = False
        return model

    model = frozen_model()
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(Tensor(np.ones((2, 3), dtype=np.float32))).sum().backward()
    optimizer.step()
    save_checkpoint(tmp_path / "frozen.npz", model, optimizer, epoch=1)
    fresh = frozen_model()
    load_checkpoint(tmp_path / "frozen.npz", fresh, SGD(fresh.parameters(), lr=0.1, momentum=0.9))
    saved, restored = model.state_dict(), fresh.state_dict()
    assert list(restored) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for name in saved:
        np.testing.assert_array_equal(restored[name], saved[name], err_msg=name)


def test_load_state_dict_changes_nothing_when_a_later_entry_is_wrong():
    model = Sequential(Linear(2, 2), Linear(2, 2))
    before = model.state_dict()
    state = Sequential(Linear(2, 2), Linear(2, 2)).state_dict()
    state["1.weight"] = np.ones((3, 3))  # found only after 0.weight and 0.bias
    with pytest.raises(ValueError, match=r"1.weight has shape \(3, 3\) in the state"):
        model.load_state_dict(state)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)


@pytest.mark.parametrize("value, got", [
    (np.array([["a", "b"], ["c", "d"]]), "<U1"),
    (None, "object"),
    (np.array([[1, 2], [3, 4]], dtype=object), "object"),
])
def test_load_state_dict_wants_numbers(value, got):
    layer = Linear(2, 2)
    before = layer.state_dict()
    with pytest.raises(TypeError, match=rf"load_state_dict: weight must hold numbers, got dtype "
                                        rf"{got}"):
        layer.load_state_dict({"weight": value, "bias": np.zeros(2)})
    np.testing.assert_array_equal(layer.bias.data, before["bias"])


def test_repr_like_torch():
    model = Sequential(Linear(4, 8), ReLU(), Sequential(Linear(8, 2, bias=False), Dropout(0.25)))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=4, out_features=8, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Linear(in_features=8, out_features=2, bias=False)\n"
        "    (1): Dropout(p=0.25)\n"
        "  )\n"
        ")"
    )


# ----- Linear --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("in_features, out_features", [(1, 1), (64, 128), (300, 7)])
def test_linear_shapes_and_pytorch_initialisation_bounds(in_features, out_features, seeded):
    layer = Linear(in_features, out_features)
    assert layer.weight.shape == (out_features, in_features)
    assert layer.bias.shape == (out_features,)
    assert layer.weight.dtype == layer.bias.dtype == np.float32
    bound = 1 / np.sqrt(in_features)
    for p in (layer.weight, layer.bias):
        assert p.requires_grad and p.is_leaf
        assert np.all(np.abs(p.data) <= bound)
    if in_features * out_features >= 1000:  # uniform on [-b, b]: spread over the whole range
        w = layer.weight.data
        assert w.max() > 0.95 * bound and w.min() < -0.95 * bound
        np.testing.assert_allclose(w.std(), bound / np.sqrt(3), rtol=0.05)
        assert abs(w.mean()) < 0.05 * bound


def test_linear_forward_is_x_times_w_transposed_plus_b():
    layer = Linear(3, 2)
    layer.weight.data[...] = [[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]]
    layer.bias.data[...] = [0.5, -0.5]
    y = layer(Tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]))
    np.testing.assert_array_equal(y.data, [[1 - 3 + 0.5, 2 + 2 - 0.5], [0.5, -0.5]])


@pytest.mark.parametrize("shape", [(3,), (5, 3), (2, 4, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_accepts_any_leading_shape(shape, bias):
    layer = Linear(3, 2, bias=bias, dtype=np.float64)
    x = np.random.default_rng(0).normal(size=shape)
    expected = x @ layer.weight.data.T + (layer.bias.data if bias else 0)
    y = layer(Tensor(x))
    assert y.shape == shape[:-1] + (2,)
    np.testing.assert_allclose(y.data, expected)


def test_linear_without_bias_has_one_parameter():
    layer = Linear(3, 2, bias=False)
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]


@pytest.mark.parametrize("x_shape", [(3,), (4, 3), (2, 4, 3)])
@pytest.mark.parametrize("bias", [True, False])
@given(data=st.data())
def test_linear_function_gradients(x_shape, bias, data):
    x = data.draw(arrays(x_shape))
    w = data.draw(arrays((2, 3)))
    b = data.draw(arrays((2,)))
    if bias:
        assert_gradients_match(lambda *t: LinearFunction.apply(*t), x, w, b)
    else:
        assert_gradients_match(lambda *t: LinearFunction.apply(*t), x, w)


def test_linear_gives_no_gradient_to_a_constant_input():
    layer = Linear(3, 2)
    x = Tensor(np.ones((4, 3), dtype=np.float32))
    layer(x).sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(layer.bias.grad.data, [4.0, 4.0])
    np.testing.assert_allclose(layer.weight.grad.data, np.full((2, 3), 4.0))


def test_manual_seed_makes_initialisation_reproducible():
    manual_seed(7)
    first = Linear(5, 4).state_dict()
    manual_seed(7)
    second = Linear(5, 4).state_dict()
    third = Linear(5, 4).state_dict()
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])
        assert not np.array_equal(second[name], third[name])


# The rule of tinytorch.core._validation: a wrong type is a TypeError, a wrong value a ValueError.
@pytest.mark.parametrize("args, error", [((0, 2), ValueError), ((2, -1), ValueError),
                                         ((2.0, 3), TypeError), ((True, 3), TypeError),
                                         ((3, None), TypeError), (("3", 2), TypeError)])
def test_linear_constructor_errors(args, error):
    with pytest.raises(error, match=r"Linear: (in|out)_features must be a positive integer"):
        Linear(*args)


def test_linear_input_errors():
    layer = Linear(3, 2)
    with pytest.raises(TypeError, match="Linear: input must be a Tensor, got ndarray"):
        layer(np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"Linear: input has shape \(4, 2\), but this layer "
                                         r"expects the last dimension to be in_features=3"):
        layer(Tensor(np.ones((4, 2))))
    with pytest.raises(ValueError, match=r"Linear: input has shape \(\)"):
        layer(Tensor(1.0))


# ----- Sequential ----------------------------------------------------------------------------------------
class AddConstant(Module):
    def __init__(self, value):
        super().__init__()
        self.value = value

    def forward(self, x):
        return x + self.value


def test_sequential_applies_modules_in_order():
    model = Sequential(AddConstant(1.0), ReLU(), AddConstant(-3.0))
    np.testing.assert_array_equal(model(Tensor([-5.0, 1.0])).data, [-3.0, -1.0])


def test_empty_sequential_is_the_identity():
    x = Tensor([1.0, 2.0])
    assert Sequential()(x) is x
    assert repr(Sequential()) == "Sequential()"


def test_sequential_indexing_len_iteration_and_slices():
    layers = [Linear(2, 3), ReLU(), Linear(3, 1)]
    model = Sequential(*layers)
    assert len(model) == 3
    assert model[0] is layers[0] and model[-1] is layers[2]
    assert list(model) == layers
    head = model[:2]
    assert isinstance(head, Sequential) and list(head) == layers[:2]
    assert [name for name, _ in head.named_parameters()] == ["0.weight", "0.bias"]


@pytest.mark.parametrize("bad", [lambda x: x, np.ones(2), Linear])
def test_sequential_accepts_only_modules(bad):
    with pytest.raises(TypeError, match=r"Sequential: argument 1 must be a Module, got"):
        Sequential(ReLU(), bad)


# ----- Dropout -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_statistics_and_scaling(p, seeded):
    x = Tensor(np.ones(200_000, dtype=np.float32))
    y = Dropout(p)(x).data
    zeros = np.mean(y == 0)
    # the fraction of zeros is binomial: 10 standard deviations is about 0.01 here
    assert abs(zeros - p) < 10 * np.sqrt(p * (1 - p) / y.size)
    np.testing.assert_allclose(y[y != 0], 1 / (1 - p), rtol=1e-6)  # kept values are scaled
    assert abs(y.mean() - 1.0) < 0.02  # so the expected value is unchanged
    assert y.dtype == np.float32


def test_dropout_gradient_is_the_same_mask_and_scale(seeded):
    x = Tensor(np.arange(1.0, 1001.0), requires_grad=True)
    y = Dropout(0.3)(x)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, y.data / x.data)


def test_dropout_draws_a_new_mask_each_call(seeded):
    drop = Dropout(0.5)
    x = Tensor(np.ones(1000))
    assert not np.array_equal(drop(x).data, drop(x).data)


def test_dropout_is_reproducible_with_manual_seed():
    x = Tensor(np.ones(1000))
    manual_seed(3)
    first = Dropout(0.5)(x).data
    manual_seed(3)
    np.testing.assert_array_equal(Dropout(0.5)(x).data, first)


def test_dropout_in_eval_mode_and_with_p_0_is_the_identity():
    x = Tensor(np.ones((3, 4)))
    assert Dropout(0.5).eval()(x) is x
    assert Dropout(0.0)(x) is x
    model = Sequential(Linear(4, 4), Dropout(0.9)).eval()
    np.testing.assert_array_equal(model(x).data, model(x).data)


def test_dropout_p_may_be_a_numpy_number(seeded):
    drop = Dropout(np.float32(0.25))  # as torch.nn.Dropout accepts it
    assert drop.p == 0.25
    y = drop(Tensor(np.ones(1000, dtype=np.float32))).data
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}


@pytest.mark.parametrize("p, error", [(-0.1, ValueError), (1.0, ValueError), (1.5, ValueError),
                                      (float("nan"), ValueError), ("0.5", TypeError),
                                      (None, TypeError)])
def test_dropout_p_must_be_a_probability(p, error):
    with pytest.raises(error, match=r"Dropout: p must be a probability in \[0, 1\), got"):
        Dropout(p)
