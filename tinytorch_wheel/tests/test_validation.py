"""The rule of tinytorch.core._validation, across the package: a value of the wrong type is a
TypeError, a value of the right type that is not allowed is a ValueError, as in Python and PyTorch.
"""

import ast
import inspect
import os
import tempfile

import numpy as np
import pytest

from tinytorch.core import losses
from tinytorch.core._validation import check_choice, check_int, check_number
from tinytorch.core.activations import LogSoftmax, Softmax, softmax
from tinytorch.core.layers import Dropout, Linear
from tinytorch.core.losses import CrossEntropyLoss, HuberLoss, MSELoss, NLLLoss
from tinytorch.core.optimizers import SGD, Adam
from tinytorch.core.tensor import Tensor
from tinytorch.core.training import EarlyStopping, Trainer, clip_grad_norm_, save_checkpoint
from tinytorch.utils.data import DataLoader, TensorDataset

NAN = float("nan")


def _params():
    return Linear(2, 1).parameters()


def _trainer(**kwargs):
    model = Linear(2, 1)
    return Trainer(model, MSELoss(), SGD(model.parameters(), lr=0.1), verbose=False, **kwargs)


def _dataset():
    return TensorDataset(np.zeros((4, 2), dtype=np.float32), np.zeros(4, dtype=np.int64))


def _save(epoch):
    model = Linear(2, 1)
    save_checkpoint(os.path.join(tempfile.mkdtemp(), "c.npz"), model, None, epoch=epoch)


# argument -> (a call with the value, values of a wrong type, values of the right type not allowed)
ARGUMENTS = {
    "Softmax.dim": (lambda v: Softmax(dim=v), [1.0, "1", None, True], []),
    "LogSoftmax.dim": (lambda v: LogSoftmax(dim=v), [1.0, None], []),
    "softmax.dim": (lambda v: softmax(Tensor([1.0, 2.0]), dim=v), [0.5, "0"], []),
    "Linear.in_features": (lambda v: Linear(v, 2), [2.0, "2", None, True], [0, -1]),
    "Dropout.p": (lambda v: Dropout(p=v), ["0.5", None, True], [-0.1, 1.0, NAN]),
    "MSELoss.reduction": (lambda v: MSELoss(reduction=v), [], ["avg", None, 1]),
    "HuberLoss.delta": (lambda v: HuberLoss(delta=v), ["1", None], [0, -1.0, NAN]),
    "CrossEntropyLoss.label_smoothing": (lambda v: CrossEntropyLoss(label_smoothing=v),
                                         ["0.1", None], [-0.1, 1.5, NAN]),
    "NLLLoss.ignore_index": (lambda v: NLLLoss(ignore_index=v), [1.0, "1"], []),
    "NLLLoss.weight": (lambda v: NLLLoss(weight=v), [[1.0, 2.0], Tensor(np.array([1, 2]))], []),
    "SGD.lr": (lambda v: SGD(_params(), lr=v), ["0.1", None], [-0.1, NAN]),
    "SGD.nesterov": (lambda v: SGD(_params(), lr=0.1, momentum=0.9, nesterov=v), [1, "yes"], []),
    "Adam.betas": (lambda v: Adam(_params(), betas=v), [0.9, None, (0.9, "0.999")],
                   [(0.9,), (1.0, 0.999), (0.9, -0.1)]),
    "Adam.amsgrad": (lambda v: Adam(_params(), amsgrad=v), [0, None], []),
    "clip_grad_norm_.max_norm": (lambda v: clip_grad_norm_([], v), ["1", None], [0, -1.0, NAN]),
    "EarlyStopping.patience": (lambda v: EarlyStopping(patience=v), [2.5, "3", None], [0, -2]),
    "EarlyStopping.mode": (lambda v: EarlyStopping(mode=v), [], ["lowest", None]),
    "EarlyStopping.min_delta": (lambda v: EarlyStopping(min_delta=v), ["0", None], [-1, NAN]),
    "Trainer.grad_clip_norm": (lambda v: _trainer(grad_clip_norm=v), ["1"], [0, -1.0]),
    "Trainer.fit.epochs": (lambda v: _trainer().fit([], epochs=v), [2.0, "2"], [0, -1]),
    "save_checkpoint.epoch": (_save, [1.5, "1"], [-1]),
    "DataLoader.batch_size": (lambda v: DataLoader(_dataset(), batch_size=v), [2.0, True], [0]),
    "DataLoader.shuffle": (lambda v: DataLoader(_dataset(), shuffle=v), [1, "yes"], []),
    "DataLoader.seed": (lambda v: DataLoader(_dataset(), seed=v), [1.0, "1"], [-1]),
    "Module.train.mode": (lambda v: Linear(2, 1).train(v), [1, "yes", None], []),
}


def _cases(column):
    return [pytest.param(ARGUMENTS[name][0], value, id=f"{name}={value!r}")
            for name in ARGUMENTS for value in ARGUMENTS[name][column]]


@pytest.mark.parametrize("call, value", _cases(1))
def test_a_value_of_the_wrong_type_is_a_type_error(call, value):
    with pytest.raises(TypeError):
        call(value)


@pytest.mark.parametrize("call, value", _cases(2))
def test_a_value_of_the_right_type_that_is_not_allowed_is_a_value_error(call, value):
    with pytest.raises(ValueError):
        call(value)


def test_numpy_numbers_are_numbers():
    assert check_number("f", "x", np.float32(0.5), low=0, high=1) == 0.5
    assert check_int("f", "n", np.int64(3), low=1) == 3
    assert Linear(np.int64(3), 2).in_features == 3


@pytest.mark.parametrize("call, message", [
    (lambda: check_number("Dropout", "p", "0.5", low=0, high=1, high_open=True,
                          what="a probability"),
     r"^Dropout: p must be a probability in \[0, 1\), got '0.5' \(str\)$"),
    (lambda: check_number("HuberLoss", "delta", 0, low=0, low_open=True),
     r"^HuberLoss: delta must be a positive number, got 0$"),
    (lambda: check_number("f", "x", 2.0, high=1), r"^f: x must be a number <= 1, got 2.0$"),
    (lambda: check_int("DataLoader", "seed", -1, low=0),
     r"^DataLoader: seed must be an integer >= 0, got -1$"),
    (lambda: check_int("Linear", "in_features", True, low=1),
     r"^Linear: in_features must be a positive integer, got True \(bool\)$"),
    (lambda: check_choice("MSELoss", "reduction", "avg", ("mean", "sum", "none")),
     r"^MSELoss: reduction must be 'mean', 'sum' or 'none', got 'avg'$"),
])
def test_messages_say_who_what_they_got_and_what_they_wanted(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()


def test_a_loss_takes_its_name_from_its_class():
    class MyLoss(MSELoss):
        pass

    with pytest.raises(ValueError, match="^MyLoss: reduction must be"):
        MyLoss(reduction="avg")
    with pytest.raises(ValueError, match=r"^MyLoss: input has shape \(2,\) but target"):
        MyLoss()(Tensor(np.zeros(2)), Tensor(np.zeros(3)))


def test_no_loss_spells_its_own_name_in_a_string():
    tree = ast.parse(inspect.getsource(losses))
    classes = {node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    exported = next(node for node in tree.body if isinstance(node, ast.Assign)
                    and getattr(node.targets[0], "id", None) == "__all__")
    listed = {id(node) for node in ast.walk(exported)}
    literals = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
                and node.value in classes and id(node) not in listed]
    assert literals == []
