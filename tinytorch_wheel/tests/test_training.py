"""Unit tests of tinytorch.core.training: metrics, train_epoch/evaluate, Trainer, clipping, early
stopping and checkpoints (atomic writes, exact resume)."""

import json
import os
import re

import numpy as np
import pytest

import tinytorch
from tinytorch.core import training
from tinytorch.core.layers import Dropout, Linear, Module, Sequential
from tinytorch.core.losses import CrossEntropyLoss, MSELoss
from tinytorch.core.optimizers import SGD, Adam
from tinytorch.core.tensor import Tensor
from tinytorch.core.training import (Accuracy, EarlyStopping, History, MeanAbsoluteError,
                                     Precision, Recall, Trainer, accuracy, clip_grad_norm_,
                                     evaluate, load_checkpoint, save_checkpoint, train_epoch)
from tinytorch.utils.data import DataLoader, TensorDataset


class ClipReLU(Module):
    """max(x, 0) from Tensor.clip, so that these tests need only tensor.py and layers.py."""

    def forward(self, x):
        return x.clip(min=0)


def one_hot_scores(classes, num_classes):
    """Scores whose arg-max is ``classes``."""
    scores = np.zeros((len(classes), num_classes))
    scores[np.arange(len(classes)), classes] = 1.0
    return Tensor(scores)


def blobs(n=60, seed=0):
    """Three separable 2-D clusters: a small classification problem that trains in a few epochs."""
    rng = np.random.default_rng(seed)
    y = np.arange(n, dtype=np.int64) % 3
    centres = np.array([[2.0, 0.0], [-1.0, 2.0], [-1.0, -2.0]])
    X = (centres[y] + 0.5 * rng.normal(size=(n, 2))).astype(np.float32)
    return X, y


def make_run(seed=0, shuffle=True, dropout=0.0, optimizer="adam", loader_seed=None):
    """Model, loss, optimizer and loaders for the classification problem, built from ``seed``."""
    tinytorch.manual_seed(seed)
    layers = [Linear(2, 16), ClipReLU()] + ([Dropout(dropout)] if dropout else []) + [Linear(16, 3)]
    model = Sequential(*layers)
    make_opt = {"adam": lambda ps: Adam(ps, lr=0.02), "sgd": lambda ps: SGD(ps, lr=0.1, momentum=0.9)}
    X, y = blobs()
    train = DataLoader(TensorDataset(X[:45], y[:45]), batch_size=8, shuffle=shuffle, seed=loader_seed)
    val = DataLoader(TensorDataset(X[45:], y[45:]), batch_size=8)
    return model, CrossEntropyLoss(), make_opt[optimizer](model.parameters()), train, val


# ===== metrics ================================================================================
def test_accuracy_multiclass_and_binary():
    scores = Tensor([[2.0, 0.1, -1.0], [0.3, 1.5, 0.0], [0.9, 0.4, 3.0], [-5.0, -1.0, -2.0]])
    assert accuracy(scores, np.array([0, 1, 1, 1])) == 0.75
    assert accuracy(scores, Tensor(np.array([0, 1, 2, 1]))) == 1.0
    probabilities = Tensor([0.9, 0.5, 0.49, 0.1])
    assert accuracy(probabilities, Tensor([1.0, 1.0, 0.0, 1.0])) == 0.75  # 0.5 counts as 1
    logits = Tensor([[2.0], [-0.1], [0.0]])
    assert accuracy(logits, np.array([1, 0, 1]), threshold=0.0) == 1.0  # (N, 1) is binary too
    assert Accuracy()(scores, np.array([2, 2, 2, 2])) == 0.25


def test_precision_and_recall_macro_by_hand():
    # Targets 0 0 1 1 2 2, predictions 0 1 1 1 0 2.
    scores, targets = one_hot_scores([0, 1, 1, 1, 0, 2], 3), np.array([0, 0, 1, 1, 2, 2])
    # Precision: class 0 predicted twice, right once (1/2); class 1: 2/3; class 2: 1/1.
    assert Precision()(scores, targets) == pytest.approx((1 / 2 + 2 / 3 + 1) / 3)
    # Recall: class 0 found 1 of 2; class 1 2 of 2; class 2 1 of 2.
    assert Recall()(scores, targets) == pytest.approx((1 / 2 + 1 + 1 / 2) / 3)


def test_macro_average_skips_absent_classes_and_counts_wrongly_predicted_ones():
    # Four classes of scores; class 3 never occurs, class 2 is predicted but never a target.
    scores, targets = one_hot_scores([0, 2, 1], 4), np.array([0, 1, 1])
    assert Precision()(scores, targets) == pytest.approx((1 + 1 + 0) / 3)
    assert Recall()(scores, targets) == pytest.approx((1 + 1 / 2 + 0) / 3)


def test_binary_precision_and_recall_are_for_class_one():
    predictions, targets = Tensor([0.9, 0.8, 0.7, 0.1, 0.2]), np.array([1, 1, 0, 1, 0])
    assert Precision()(predictions, targets) == pytest.approx(2 / 3)
    assert Recall()(predictions, targets) == pytest.approx(2 / 3)
    assert Precision()(Tensor([0.1, 0.2]), np.array([1, 0])) == 0.0  # nothing predicted positive
    assert Recall(threshold=0.0)(Tensor([1.0, -1.0]), np.array([0, 0])) == 0.0  # no positives


def test_running_metrics_sum_statistics_over_batches():
    batches = [(one_hot_scores([0, 0, 0], 2), np.array([0, 1, 1])),
               (one_hot_scores([1], 2), np.array([1]))]
    precision, acc = Precision(), Accuracy()
    for scores, targets in batches:
        precision.update(scores, targets)
        acc.update(scores, targets)
    all_scores = one_hot_scores([0, 0, 0, 1], 2)
    all_targets = np.array([0, 1, 1, 1])
    assert precision.compute() == pytest.approx(Precision()(all_scores, all_targets))
    assert acc.compute() == 0.5  # 2 of 4 samples, not the mean of 1/3 and 1 over batches
    acc.reset()
    with pytest.raises(ValueError, match="no batch was seen"):
        acc.compute()


def test_mean_absolute_error():
    metric = MeanAbsoluteError()
    metric.update(Tensor([1.0, 2.0]), Tensor([2.0, 2.0]))
    metric.update(Tensor([0.0]), Tensor([-4.0]))
    assert metric.compute() == pytest.approx(5 / 3)
    assert MeanAbsoluteError()(Tensor([[1.5], [0.0]]), Tensor([[1.0], [1.0]])) == 0.75
    with pytest.raises(ValueError, match=r"\(3, 1\).*\(3,\)"):
        MeanAbsoluteError()(Tensor(np.zeros((3, 1))), Tensor(np.zeros(3)))


@pytest.mark.parametrize("predictions, targets, error, message", [
    (np.zeros((3, 2)), np.array([0.0, 1.0, 1.0]), TypeError, "integer class indices"),
    (np.zeros((3, 2)), np.array([0, 1, 2]), IndexError, "class 2, but the predictions have 2"),
    (np.zeros((3, 2)), np.array([0, -1, 1]), IndexError, "class -1"),
    (np.zeros((3, 2)), np.array([0, 1]), ValueError, r"shape \(3,\), got \(2,\)"),
    (np.zeros(3), np.array([0, 1, 2]), ValueError, "must be 0 or 1"),
    (np.zeros(3), np.zeros((3, 2)), ValueError, "binary predictions"),
    (np.zeros((2, 2, 2)), np.array([0, 1]), ValueError, r"\(N, C\)"),
])
def test_metrics_reject_bad_input(predictions, targets, error, message):
    for metric in (accuracy, Accuracy(), Precision(), Recall()):
        with pytest.raises(error, match=message):
            metric(Tensor(predictions), targets)


def test_accuracy_of_an_empty_batch_is_an_error():
    with pytest.raises(ValueError, match="empty batch"):
        accuracy(Tensor(np.zeros((0, 3))), np.zeros(0, dtype=np.int64))


# ===== gradient clipping =======================================================================
def test_clip_grad_norm_by_hand():
    a, b, c = (Tensor(np.zeros(s), requires_grad=True) for s in [(2,), (1,), (3,)])
    a.grad, b.grad = Tensor([3.0, 0.0]), Tensor([4.0])  # c has no gradient
    assert clip_grad_norm_([a, b, c], max_norm=2.5) == 5.0
    np.testing.assert_allclose(a.grad.data, [1.5, 0.0])
    np.testing.assert_allclose(b.grad.data, [2.0])
    assert c.grad is None
    assert clip_grad_norm_([a, b, c], max_norm=10.0) == pytest.approx(2.5)
    np.testing.assert_allclose(a.grad.data, [1.5, 0.0])  # below the limit: unchanged


@pytest.mark.parametrize("max_norm, error", [(0, ValueError), (-1.0, ValueError),
                                             (float("nan"), ValueError), ("1", TypeError),
                                             (None, TypeError)])
def test_clip_grad_norm_rejects_bad_max_norm(max_norm, error):
    with pytest.raises(error, match="max_norm must be a positive number"):
        clip_grad_norm_([], max_norm)


# ===== train_epoch and evaluate ================================================================
def test_train_epoch_is_the_five_step_loop_and_returns_the_sample_mean():
    model, loss_fn, _, loader, _ = make_run(shuffle=False)
    twin, _, _, _, _ = make_run(shuffle=False)
    opt, twin_opt = SGD(model.parameters(), lr=0.1), SGD(twin.parameters(), lr=0.1)
    for p in model.parameters():
        p.grad = Tensor(np.ones_like(p.data))  # stale gradients must be cleared first
    loss = train_epoch(model, loader, loss_fn, opt)
    total = 0.0
    for x, y in loader:  # the same loop by hand
        twin_opt.zero_grad()
        batch_loss = loss_fn(twin(x), y)
        batch_loss.backward()
        twin_opt.step()
        total += batch_loss.item() * len(x)
    assert loss == pytest.approx(total / 45, rel=1e-12)
    for p, q in zip(model.parameters(), twin.parameters()):
        np.testing.assert_array_equal(p.data, q.data)


def test_epoch_loss_weights_batches_by_size():
    model, loss_fn, _, loader, _ = make_run(shuffle=False)  # 45 samples: batches 8 x 5 and 5
    frozen = SGD(model.parameters(), lr=0.0)
    X, y = loader.dataset.tensors
    whole = loss_fn(model(X), y).item()
    assert train_epoch(model, loader, loss_fn, frozen) == pytest.approx(whole, rel=1e-6)
    assert evaluate(model, loader, loss_fn) == pytest.approx(whole, rel=1e-6)


def test_evaluate_uses_eval_mode_no_graph_and_restores_the_mode():
    model, loss_fn, _, _, val = make_run(dropout=0.5)
    seen = []

    def spy(outputs, targets):
        seen.append(outputs.requires_grad)
        return loss_fn(outputs, targets)

    first = evaluate(model, val, spy)
    assert first == evaluate(model, val, loss_fn)  # dropout is off: the same twice
    assert seen and not any(seen)
    assert model.training and all(p.grad is None for p in model.parameters())
    model.eval()
    evaluate(model, val, loss_fn)
    assert not model.training


def test_train_epoch_sets_training_mode_and_updates_metrics():
    model, loss_fn, opt, train, _ = make_run()
    model.eval()
    metric = Accuracy()
    train_epoch(model, train, loss_fn, opt, metrics=[metric])
    assert model.training
    assert 0.0 <= metric.compute() <= 1.0 and metric.total[1] == 45


def test_loops_reject_bad_batches():
    model, loss_fn, opt, _, _ = make_run()
    with pytest.raises(ValueError, match=r"pair \(inputs, targets\), got tuple of length 3"):
        train_epoch(model, [(1, 2, 3)], loss_fn, opt)
    with pytest.raises(ValueError, match="no batches"):
        evaluate(model, [], loss_fn)


# ===== Trainer ===================================================================================
def test_fit_learns_and_records_history(capsys):
    model, loss_fn, opt, train, val = make_run()
    trainer = Trainer(model, loss_fn, opt, metrics=[Accuracy(), Precision()])
    history = trainer.fit(train, epochs=8, val_loader=val)
    assert isinstance(history, History) and history is trainer.history
    assert list(history) == ["epoch", "train_loss", "train_accuracy", "train_precision",
                             "val_loss", "val_accuracy", "val_precision", "time"]
    assert history["epoch"] == list(range(1, 9))
    assert all(len(v) == 8 for v in history.values())
    assert all(isinstance(v, float) for v in history["val_accuracy"])
    assert history["train_loss"][-1] < history["train_loss"][0] / 3
    assert history["val_accuracy"][-1] >= 0.9
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 8
    assert lines[0].startswith("epoch 1/8  train_loss ") and "val_accuracy" in lines[0]
    assert lines[-1].endswith("s")
    assert trainer.evaluate(val) == pytest.approx(
        {"loss": history["val_loss"][-1], "accuracy": history["val_accuracy"][-1],
         "precision": history["val_precision"][-1]})


def test_history_plots_with_matplotlib_shapes():
    history = History()
    history.append({"epoch": 1, "train_loss": 1.0})
    history.append({"epoch": 2, "train_loss": 0.5})
    assert np.asarray(history["train_loss"]).shape == (2,)  # what plt.plot needs
    assert json.loads(json.dumps(history)) == history
    assert repr(history) == "History(2 epochs: epoch, train_loss)"


def test_fit_epochs_is_the_total_so_fit_can_continue():
    model, loss_fn, opt, train, _ = make_run()
    trainer = Trainer(model, loss_fn, opt, verbose=False)
    trainer.fit(train, epochs=2)
    trainer.fit(train, epochs=4)
    assert trainer.history["epoch"] == [1, 2, 3, 4]
    straight_model, loss_fn, opt, train, _ = make_run()
    Trainer(straight_model, loss_fn, opt, verbose=False).fit(train, epochs=4)
    for p, q in zip(model.parameters(), straight_model.parameters()):
        np.testing.assert_array_equal(p.data, q.data)


def test_plain_function_metrics():
    model, loss_fn, opt, train, val = make_run()
    trainer = Trainer(model, loss_fn, opt, metrics=[accuracy], verbose=False)
    history = trainer.fit(train, epochs=2, val_loader=val)
    reference = Trainer(*make_run()[:3], metrics=[Accuracy()], verbose=False)
    expected = reference.fit(make_run()[3], epochs=2, val_loader=make_run()[4])
    assert history["val_accuracy"] == expected["val_accuracy"]


def test_trainer_clips_gradients():
    model, loss_fn, _, train, _ = make_run(shuffle=False)
    twin, _, _, _, _ = make_run(shuffle=False)
    opt, twin_opt = SGD(model.parameters(), lr=0.5), SGD(twin.parameters(), lr=0.5)
    Trainer(model, loss_fn, opt, grad_clip_norm=0.1, verbose=False).fit(train, epochs=1)
    norms = []
    for x, y in train:
        twin_opt.zero_grad()
        loss_fn(twin(x), y).backward()
        norms.append(clip_grad_norm_(twin.parameters(), 0.1))
        twin_opt.step()
    assert max(norms) > 0.1  # the limit was active
    for p, q in zip(model.parameters(), twin.parameters()):
        np.testing.assert_array_equal(p.data, q.data)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(metrics=[Accuracy(), Accuracy()]), ValueError, "metric names must be different"),
    (dict(grad_clip_norm=0), ValueError, "grad_clip_norm must be a positive number"),
    (dict(early_stopping="val_loss"), TypeError, "EarlyStopping object"),
])
def test_trainer_rejects_bad_arguments(kwargs, error, message):
    model, loss_fn, opt, _, _ = make_run()
    with pytest.raises(error, match=message):
        Trainer(model, loss_fn, opt, **kwargs)


def test_trainer_rejects_bad_components():
    model, loss_fn, opt, train, _ = make_run()
    with pytest.raises(TypeError, match="optimizer must be an Optimizer"):
        Trainer(model, loss_fn, model)
    with pytest.raises(TypeError, match="model must be a Module"):
        Trainer(lambda x: x, loss_fn, opt)
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        Trainer(model, loss_fn, opt).fit(train, epochs=0)


# ===== early stopping ============================================================================
def test_early_stopping_counts_patience():
    stopper = EarlyStopping(monitor="val_accuracy", mode="max", patience=2, min_delta=0.01)
    values = [0.5, 0.6, 0.605, 0.609, 0.7]  # 0.605 and 0.609 are within min_delta of 0.6
    results = [stopper.step({"epoch": i + 1, "val_accuracy": v}) for i, v in enumerate(values)]
    assert results == [False, False, False, True, True]
    assert stopper.best == 0.6 and stopper.best_epoch == 2


def test_early_stopping_in_fit_stops_and_restores_the_best_weights(capsys):
    model, loss_fn, opt, train, _ = make_run()
    # The training loss falls every epoch, so with mode="max" epoch 1 stays the best.
    stopper = EarlyStopping(monitor="train_loss", mode="max", patience=2)
    trainer = Trainer(model, loss_fn, opt, early_stopping=stopper)
    history = trainer.fit(train, epochs=10)
    assert history["epoch"] == [1, 2, 3]
    assert "early stopping: train_loss has not improved for 2 epochs" in capsys.readouterr().out
    one_epoch, loss_fn, opt, train, _ = make_run()
    Trainer(one_epoch, loss_fn, opt, verbose=False).fit(train, epochs=1)
    for p, q in zip(model.parameters(), one_epoch.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    assert trainer.fit(train, epochs=20)["epoch"] == [1, 2, 3]  # stopped stays stopped


def test_early_stopping_names_missing_monitor():
    model, loss_fn, opt, train, _ = make_run()
    trainer = Trainer(model, loss_fn, opt, early_stopping=EarlyStopping(), verbose=False)
    with pytest.raises(ValueError, match="val_loss.*pass val_loader to fit"):
        trainer.fit(train, epochs=2)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(patience=0), ValueError, "patience must be a positive integer, got 0"),
    (dict(patience=2.5), TypeError, r"patience must be a positive integer, got 2.5 \(float\)"),
    (dict(mode="lowest"), ValueError, "mode must be 'min' or 'max'"),
    (dict(min_delta=-1), ValueError, "min_delta must be a number >= 0, got -1"),
    (dict(min_delta="0.1"), TypeError, "min_delta must be a number >= 0, got '0.1'"),
])
def test_early_stopping_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        EarlyStopping(**kwargs)


# ===== checkpoints ===============================================================================
def test_checkpoint_round_trip(tmp_path):
    model, loss_fn, opt, train, _ = make_run()
    Trainer(model, loss_fn, opt, verbose=False).fit(train, epochs=2)
    path = tmp_path / "run.npz"
    save_checkpoint(path, model, opt, epoch=2, loader=train,
                    extra={"note": "hello", "curve": np.arange(3.0), "nested": [1, {"a": None}]})
    other, _, other_opt, other_train, _ = make_run(seed=9, loader_seed=4)
    info = load_checkpoint(path, other, other_opt, loader=other_train)
    assert info["epoch"] == 2 and info["extra"]["note"] == "hello"
    assert info["extra"]["nested"] == [1, {"a": None}]
    np.testing.assert_array_equal(info["extra"]["curve"], np.arange(3.0))
    for p, q in zip(model.parameters(), other.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    assert other_opt.state_dict()["hyperparameters"] == opt.state_dict()["hyperparameters"]
    assert other_train.state_dict() == train.state_dict()
    with np.load(path, allow_pickle=False) as stored:  # readable keys, JSON metadata
        assert "model/0.weight" in stored.files and "optimizer/state/0/exp_avg" in stored.files
        assert json.loads(str(stored["__metadata__"]))["epoch"] == 2


def test_a_crash_during_a_save_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    model, loss_fn, opt, train, _ = make_run()
    path = tmp_path / "run.npz"
    save_checkpoint(path, model, opt, epoch=1)
    saved = {name: p.data.copy() for name, p in model.named_parameters()}
    before = path.read_bytes()
    Trainer(model, loss_fn, opt, verbose=False).fit(train, epochs=1)

    def crash(*args, **kwargs):
        raise OSError("simulated crash: power lost before the rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated crash"):
        save_checkpoint(path, model, opt, epoch=2)
    monkeypatch.undo()

    real_savez = np.savez

    def crash_while_writing(file, **arrays):
        real_savez(file, **dict(list(arrays.items())[:2]))  # half the arrays are written...
        raise OSError("simulated crash: disk full")

    monkeypatch.setattr(np, "savez", crash_while_writing)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, model, opt, epoch=2)
    monkeypatch.undo()

    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["run.npz"]  # no temporary file left behind
    fresh, _, fresh_opt, _, _ = make_run(seed=5)
    assert load_checkpoint(path, fresh, fresh_opt)["epoch"] == 1
    for name, p in fresh.named_parameters():
        np.testing.assert_array_equal(p.data, saved[name])


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_resume_is_bit_identical_to_training_that_never_stopped(tmp_path, optimizer):
    # Straight: 4 epochs, shuffled, with dropout (which draws from tinytorch's generator).
    model, loss_fn, opt, train, val = make_run(dropout=0.3, optimizer=optimizer)
    straight = Trainer(model, loss_fn, opt, metrics=[Accuracy()], verbose=False)
    straight.fit(train, epochs=4, val_loader=val)

    # Interrupted: 2 epochs with a checkpoint after each, then everything is thrown away.
    model2, loss_fn2, opt2, train2, val2 = make_run(dropout=0.3, optimizer=optimizer)
    path = tmp_path / "ckpt.npz"
    Trainer(model2, loss_fn2, opt2, metrics=[Accuracy()], verbose=False).fit(
        train2, epochs=2, val_loader=val2, checkpoint_path=path)
    del model2, opt2, train2
    tinytorch.manual_seed(1234)  # anything that happened in between: it must not matter
    np.random.default_rng().random(10)

    # Resumed: fresh objects built differently, the checkpoint loaded, the same fit call.
    model3, loss_fn3, opt3, train3, val3 = make_run(seed=77, dropout=0.3, optimizer=optimizer,
                                                    loader_seed=5)
    resumed = Trainer(model3, loss_fn3, opt3, metrics=[Accuracy()], verbose=False)
    resumed.load_checkpoint(path, train3)
    assert resumed.epoch == 2
    resumed.fit(train3, epochs=4, val_loader=val3)

    for p, q in zip(model.parameters(), model3.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    for key in ("epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy"):
        assert resumed.history[key] == straight.history[key]
    for a, b in zip(opt.state, opt3.state):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])


def test_resume_with_early_stopping_state(tmp_path):
    model, loss_fn, opt, train, val = make_run()
    stopper = EarlyStopping(patience=3)
    Trainer(model, loss_fn, opt, early_stopping=stopper, verbose=False).fit(
        train, epochs=3, val_loader=val, checkpoint_path=tmp_path / "c.npz")
    fresh = Trainer(*make_run(seed=3)[:3], early_stopping=EarlyStopping(patience=3), verbose=False)
    fresh.load_checkpoint(tmp_path / "c.npz")
    assert fresh.early_stopping.best == stopper.best
    assert fresh.early_stopping.best_epoch == stopper.best_epoch
    for name, value in stopper.best_state.items():
        np.testing.assert_array_equal(fresh.early_stopping.best_state[name], value)


def test_load_checkpoint_errors(tmp_path):
    model, _, opt, train, _ = make_run()
    plain = tmp_path / "plain.npz"
    np.savez(plain, x=np.zeros(2))
    with pytest.raises(ValueError, match="not a tinytorch checkpoint"):
        load_checkpoint(plain, model, opt)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, __metadata__=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="allow_pickle"):
        load_checkpoint(pickled, model, opt)
    path = tmp_path / "model_only.npz"
    save_checkpoint(path, model, None, epoch=0)
    with pytest.raises(ValueError, match="no optimizer state"):
        load_checkpoint(path, model, opt)
    with pytest.raises(ValueError, match="no data-loader state"):
        load_checkpoint(path, model, None, loader=train)
    with pytest.raises(ValueError, match="does not match the model's parameters"):
        load_checkpoint(path, Linear(2, 2), None)
    assert load_checkpoint(path, model, None)["epoch"] == 0


@pytest.mark.parametrize("extra, message", [
    ({"f": print}, "cannot store builtin_function_or_method at extra/f"),
    ({1: "a"}, "non-string key"),
    ({"o": np.array([None])}, "object array"),
])
def test_save_checkpoint_rejects_what_needs_pickle(tmp_path, extra, message):
    model, _, opt, _, _ = make_run()
    with pytest.raises(TypeError, match=message):
        save_checkpoint(tmp_path / "c.npz", model, opt, epoch=1, extra=extra)
    assert not os.listdir(tmp_path)


def test_save_checkpoint_rejects_bad_epoch(tmp_path):
    model, _, opt, _, _ = make_run()
    with pytest.raises(ValueError, match="epoch must be an integer >= 0"):
        save_checkpoint(tmp_path / "c.npz", model, opt, epoch=-1)


# ===== issue 11: early stopping on nan, lists of batches, extra keys, bad checkpoint files =======
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_a_value_that_is_not_finite_is_never_the_best_and_stops_at_once(bad):
    stopper = EarlyStopping(patience=3, restore_best=False)
    assert stopper.step({"epoch": 1, "val_loss": bad}) is True
    assert stopper.best is None and stopper.best_epoch is None
    later = EarlyStopping(patience=3, restore_best=False)
    steps = [later.step({"epoch": e, "val_loss": v}) for e, v in enumerate([2.0, 1.0, bad], 1)]
    assert steps == [False, False, True]
    assert later.best == 1.0 and later.best_epoch == 2


class NanFromEpoch:
    """Cross-entropy, and nan from the given epoch on (a run that diverges)."""

    def __init__(self, epoch, batches_per_epoch):
        self.calls, self.first_bad_call = 0, (epoch - 1) * batches_per_epoch

    def __call__(self, outputs, targets):
        self.calls += 1
        loss = CrossEntropyLoss()(outputs, targets)
        return loss * float("nan") if self.calls > self.first_bad_call else loss


@pytest.mark.parametrize("first_nan", [1, 3])
def test_fit_stops_on_a_nan_loss_and_restores_the_last_finite_best(capsys, first_nan):
    model, _, opt, train, _ = make_run()
    stopper = EarlyStopping(monitor="train_loss", patience=4)
    trainer = Trainer(model, NanFromEpoch(first_nan, len(train)), opt, early_stopping=stopper)
    history = trainer.fit(train, epochs=10)
    assert history["epoch"] == list(range(1, first_nan + 1))
    assert f"early stopping: train_loss is nan at epoch {first_nan}" in capsys.readouterr().out
    if first_nan > 1:  # the weights of the best finite epoch are back
        best, loss_fn, best_opt, best_train, _ = make_run()
        Trainer(best, loss_fn, best_opt, verbose=False).fit(best_train, epochs=stopper.best_epoch)
        for p, q in zip(model.parameters(), best.parameters()):
            np.testing.assert_array_equal(p.data, q.data)


def test_early_stopping_rejects_a_nan_min_delta():
    with pytest.raises(ValueError, match="min_delta must be a number >= 0, got nan"):
        EarlyStopping(min_delta=float("nan"))


def test_fit_checks_the_early_stopping_monitor_before_training():
    model, loss_fn, opt, train, _ = make_run()
    before = model.state_dict()
    trainer = Trainer(model, loss_fn, opt, early_stopping=EarlyStopping(), verbose=False)
    with pytest.raises(ValueError, match="val_loss.*pass val_loader to fit"):
        trainer.fit(train, epochs=2)
    assert trainer.epoch == 0 and trainer.history == {}
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_fit_checks_the_checkpoint_folder_before_training(tmp_path):
    model, loss_fn, opt, train, _ = make_run()
    trainer = Trainer(model, loss_fn, opt, verbose=False)
    with pytest.raises(FileNotFoundError, match="no-such-folder"):
        trainer.fit(train, epochs=2, checkpoint_path=tmp_path / "no-such-folder" / "c.npz")
    assert trainer.epoch == 0


def test_fit_checkpoints_and_resumes_a_plain_list_of_batches(tmp_path):
    # A list of batches has a fixed order and no state of its own to save.
    X, y = blobs(24)
    batches = [(Tensor(X[i:i + 8]), Tensor(y[i:i + 8])) for i in range(0, 24, 8)]
    model, loss_fn, opt, _, _ = make_run()
    straight = Trainer(model, loss_fn, opt, verbose=False)
    straight.fit(batches, epochs=3)
    model2, loss_fn2, opt2, _, _ = make_run()
    path = tmp_path / "list.npz"
    Trainer(model2, loss_fn2, opt2, verbose=False).fit(batches, epochs=2, checkpoint_path=path)
    model3, loss_fn3, opt3, _, _ = make_run(seed=8)
    resumed = Trainer(model3, loss_fn3, opt3, verbose=False)
    resumed.load_checkpoint(path, batches)
    resumed.fit(batches, epochs=3)
    assert resumed.history["train_loss"] == straight.history["train_loss"]
    for p, q in zip(model.parameters(), model3.parameters()):
        np.testing.assert_array_equal(p.data, q.data)


def test_save_checkpoint_refuses_a_loader_without_state(tmp_path):
    model, _, opt, _, _ = make_run()
    with pytest.raises(TypeError, match="loader must be a DataLoader.*got list"):
        save_checkpoint(tmp_path / "c.npz", model, opt, epoch=1, loader=[(1, 2)])
    assert not os.listdir(tmp_path)


def test_extra_keys_with_slashes_never_collide(tmp_path):
    extra = {"a/b": np.array([1.0]), "a": {"b": np.array([2.0])},
             "x~1y": np.array([3.0]), "x/y": np.array([4.0]), "~": np.array([5.0])}
    model, _, opt, _, _ = make_run()
    path = tmp_path / "c.npz"
    save_checkpoint(path, model, opt, epoch=1, extra=extra)
    loaded = load_checkpoint(path, model, opt)["extra"]
    np.testing.assert_equal(loaded, extra)


def test_save_checkpoint_refuses_the_reserved_key_before_writing(tmp_path):
    model, _, opt, _, _ = make_run()
    with pytest.raises(ValueError, match="extra/notes.*'__array__'.*reserved"):
        save_checkpoint(tmp_path / "c.npz", model, opt, epoch=1,
                        extra={"notes": {"__array__": "not an array"}})
    assert not os.listdir(tmp_path)


def test_a_metric_named_loss_is_refused_as_it_would_overwrite_the_loss():
    def loss(predictions, targets):
        return 0.5

    model, loss_fn, opt, _, _ = make_run()
    with pytest.raises(ValueError, match="metric names must be different.*'loss'"):
        Trainer(model, loss_fn, opt, metrics=[loss])


def rewrite(good, bad, change):
    """Copy the checkpoint ``good`` to ``bad``, with ``change(arrays, metadata)`` applied."""
    with np.load(good, allow_pickle=False) as stored:
        arrays = {key: stored[key] for key in stored.files}
    metadata = json.loads(str(arrays.pop("__metadata__")))
    change(arrays, metadata)
    np.savez(bad, __metadata__=np.array(json.dumps(metadata)), **arrays)


def flip_a_byte_of(array):
    def damage(good, bad):
        data = bytearray(good.read_bytes())
        data[data.index(array.tobytes()) + 3] ^= 0xFF
        bad.write_bytes(bytes(data))
    return damage


def write_bytes(make):
    return lambda good, bad: bad.write_bytes(make(good.read_bytes()))


def write_npy(good, bad):
    with open(bad, "wb") as file:
        np.save(file, np.zeros(3))


def metadata_text(text):
    return lambda good, bad: np.savez(bad, __metadata__=np.array(text))


def changed(change):
    return lambda good, bad: rewrite(good, bad, change)


def set_array(name, value):
    return changed(lambda arrays, metadata: arrays.update({name: value}))


def drop_parameter(arrays, metadata):
    del metadata["model"]["2.bias"], arrays["model/2.bias"]


BAD_FILES = {
    "empty": (write_bytes(lambda data: b""), r"not an \.npz archive"),
    "truncated": (write_bytes(lambda data: data[:len(data) // 2]), r"not an \.npz archive"),
    "random bytes": (write_bytes(lambda data: np.random.default_rng(0).bytes(len(data))),
                     r"not an \.npz archive"),
    "a .npy file": (write_npy, r"a single \.npy array"),
    "a damaged array": ("flip", "damaged.*Bad CRC-32 for file 'model/2.weight.npy'"),
    "no metadata": (lambda good, bad: np.savez(bad, x=np.zeros(2)), "no metadata"),
    "metadata that is not JSON": (metadata_text("{'epoch': 1"), "not valid JSON"),
    "metadata that is a list": (metadata_text("[1, 2]"), "format"),
    "metadata without the model": (changed(lambda a, m: m.pop("model")), "keys"),
    "another format": (changed(lambda a, m: m.update(format="tinytorch-checkpoint-0")),
                       "format 'tinytorch-checkpoint-0'"),
    "an epoch that is not a number": (changed(lambda a, m: m.update(epoch="two")), "epoch"),
    "a missing array": (changed(lambda a, m: a.pop("model/2.weight")),
                        "'model/2.weight'.*does not hold"),
    "a missing parameter": (changed(drop_parameter), r"missing: \['2.bias'\]"),
    "an unexpected parameter": (changed(lambda a, m: m["model"].update({"3.bias": 1.0})),
                                r"unexpected: \['3.bias'\]"),
    "a wrong shape": (set_array("model/2.weight", np.zeros((3, 8), np.float32)),
                      r"shape \(3, 8\).*'2.weight'.*shape \(3, 16\)"),
    "a wrong dtype": (set_array("model/2.bias", np.zeros(3, np.float64)),
                      "dtype float64.*'2.bias'.*dtype float32"),
    "a parameter that is not an array": (changed(lambda a, m: m["model"].update({"2.bias": [1]})),
                                         "list.*'2.bias'"),
    "another optimizer": (changed(lambda a, m: m["optimizer"].update(optimizer="SGD")), "SGD"),
    "an optimizer state of a wrong shape": (
        set_array("optimizer/state/3/exp_avg", np.zeros(8, np.float32)), r"shape \(8,\)"),
    "no optimizer state": (changed(lambda a, m: m.update(optimizer=None)), "no optimizer state"),
    "no loader state": (changed(lambda a, m: m.update(loader=None)), "no data-loader state"),
    "a damaged loader state": (changed(lambda a, m: m["loader"]["generator"].update(state=5)),
                               "data-loader generator state"),
    "a loader state of another generator": (
        changed(lambda a, m: m["loader"]["generator"].update(bit_generator="MT19937")),
        "data-loader generator state"),
    "a damaged random state": (changed(lambda a, m: m["random"].pop("state")),
                               "random generator state"),
}


def everything(model, optimizer, loader):
    """Every number a load_checkpoint could change."""
    return {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "loader": loader.state_dict(),
            "random": tinytorch.random.generator().bit_generator.state}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_checkpoint_file_is_named_and_changes_nothing(tmp_path, case):
    # A trained run's checkpoint; then a different run, which every bad file must leave alone.
    saved, loss_fn, saved_opt, saved_train, _ = make_run(seed=0)
    Trainer(saved, loss_fn, saved_opt, verbose=False).fit(saved_train, epochs=1)
    good = tmp_path / "good.npz"
    save_checkpoint(good, saved, saved_opt, epoch=1, loader=saved_train)
    model, loss_fn, opt, train, _ = make_run(seed=1, loader_seed=3)
    Trainer(model, loss_fn, opt, verbose=False).fit(train, epochs=1)

    make, problem = BAD_FILES[case]
    if make == "flip":
        make = flip_a_byte_of(saved.state_dict()["2.weight"])
    bad = tmp_path / "bad.npz"
    make(good, bad)
    before = everything(model, opt, train)
    with pytest.raises(ValueError, match=f"load_checkpoint: .*{re.escape(str(bad))}.*{problem}"):
        load_checkpoint(bad, model, opt, loader=train)
    np.testing.assert_equal(everything(model, opt, train), before)
    assert load_checkpoint(good, model, opt, loader=train)["epoch"] == 1  # the good one loads


@pytest.mark.parametrize("change, problem", [
    (lambda a, m: m.update(extra={"note": "saved by save_checkpoint"}), "not saved by a Trainer"),
    (lambda a, m: m["extra"].update(history=[1, 2]), "history"),
    (lambda a, m: m["extra"]["early_stopping"].pop("wait"), "early-stopping state"),
    (lambda a, m: a.update({"extra/early_stopping/best_state/0.bias": np.zeros(3, np.float32)}),
     r"early_stopping.best_state\['0.bias'\]"),
])
def test_trainer_load_checkpoint_checks_its_extra_before_loading(tmp_path, change, problem):
    model, loss_fn, opt, train, val = make_run()
    Trainer(model, loss_fn, opt, early_stopping=EarlyStopping(patience=3), verbose=False).fit(
        train, epochs=2, val_loader=val, checkpoint_path=tmp_path / "good.npz")
    rewrite(tmp_path / "good.npz", tmp_path / "bad.npz", change)
    fresh, loss_fn, fresh_opt, fresh_train, _ = make_run(seed=4)
    trainer = Trainer(fresh, loss_fn, fresh_opt, early_stopping=EarlyStopping(), verbose=False)
    before = everything(fresh, fresh_opt, fresh_train)
    with pytest.raises(ValueError, match=f"{re.escape(str(tmp_path / 'bad.npz'))}.*{problem}"):
        trainer.load_checkpoint(tmp_path / "bad.npz", fresh_train)
    np.testing.assert_equal(everything(fresh, fresh_opt, fresh_train), before)
    assert trainer.epoch == 0 and trainer.early_stopping.best is None


def test_training_module_names():
    for name in ("Trainer", "Accuracy", "Precision", "Recall", "MeanAbsoluteError",
                 "save_checkpoint", "load_checkpoint", "clip_grad_norm_", "EarlyStopping",
                 "History", "train_epoch", "evaluate", "accuracy", "Metric"):
        assert hasattr(training, name), name
