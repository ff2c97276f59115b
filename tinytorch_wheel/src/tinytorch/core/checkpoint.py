"""Checkpoints: a training state in one file, from which training resumes exactly (module 07).

``save_checkpoint`` writes the model's parameters, the optimizer's state, the epoch, the random
generators and any extra data; ``load_checkpoint`` puts them back, so that training on gives
bit-for-bit the parameters of a run that never stopped. No pickle: the file is an ``.npz`` of
arrays plus JSON metadata, loaded with ``allow_pickle=False``, and it is written atomically.
"""

import json
import os
import tempfile
import zipfile

import numpy as np

from tinytorch import random
from tinytorch.core._validation import check_int, check_names
from tinytorch.core.tensor import Tensor

# A checkpoint is one .npz file: every numpy array of the state under a readable key
# ("model/0.weight", "optimizer/state/0/exp_avg", ...), plus the key "__metadata__" holding a
# JSON string with everything else (epoch, hyper-parameters, generator states, ...). In the
# JSON, each array is replaced by {"__array__": key}. One file can be replaced atomically; a
# JSON sidecar could not be replaced together with it.

_FORMAT = "tinytorch-checkpoint-1"
_PARTS = ("format", "epoch", "model", "optimizer", "loader", "random", "extra")


def _array_name(key, part):
    """The name of ``part`` inside ``key``: the path joined with '/', each part escaped as in a
    JSON Pointer (RFC 6901: '~' becomes '~0', '/' becomes '~1'), so that {"a/b": x} and
    {"a": {"b": y}} are stored as 'a~1b' and 'a/b', never both as 'a/b'."""
    part = str(part).replace("~", "~0").replace("/", "~1")
    return f"{key}/{part}" if key else part


def _pack(value, key, arrays):
    """Move the numpy arrays out of a nested structure into ``arrays``; return JSON-ready data."""
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            raise TypeError(f"save_checkpoint: {key} is an object array, which needs pickle")
        arrays[key] = value
        return {"__array__": key}
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, dict):
        for k in value:
            if not isinstance(k, str):
                raise TypeError(f"save_checkpoint: {key} has a non-string key {k!r}")
            if k == "__array__":
                raise ValueError(
                    f"save_checkpoint: {key} has the key '__array__', which is reserved: a "
                    f"checkpoint marks its arrays with it; rename the key"
                )
        return {k: _pack(v, _array_name(key, k), arrays) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_pack(v, _array_name(key, i), arrays) for i, v in enumerate(value)]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(
        f"save_checkpoint: cannot store {type(value).__name__} at {key}; use numbers, strings, "
        f"lists, dicts and numpy arrays"
    )


def _unpack(path, value, arrays):
    """Put the arrays back where the JSON data says ``{"__array__": key}``."""
    if isinstance(value, dict):
        if set(value) == {"__array__"}:
            name = value["__array__"]
            if not isinstance(name, str) or name not in arrays:
                raise ValueError(
                    f"load_checkpoint: {path} is damaged: its metadata refers to the array "
                    f"{name!r}, which the file does not hold"
                )
            return arrays[name]
        return {k: _unpack(path, v, arrays) for k, v in value.items()}
    if isinstance(value, list):
        return [_unpack(path, v, arrays) for v in value]
    return value


def _write_atomically(path, arrays):
    """Write ``arrays`` as an .npz to a temporary file beside ``path``, then rename it over
    ``path``. A crash before the rename leaves the previous file untouched; the rename itself is
    atomic (os.replace), so readers see either the old or the new checkpoint, never half of one.
    """
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".checkpoint-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def save_checkpoint(path, model, optimizer, epoch, loader=None, extra=None):
    """Save a training state to ``path`` (an .npz file with JSON metadata), atomically.

    Stored: the model's parameters, the optimizer's hyper-parameters and state, ``epoch``, the
    state of tinytorch's random generator (dropout, initialisation), the loader's shuffling
    generator (if given) and ``extra`` (numbers, strings, lists, dicts and arrays; the key
    ``'__array__'`` is reserved). Loading it with ``load_checkpoint`` and training on gives
    bit-for-bit the same parameters as a run that never stopped. Save between epochs: a loader's
    state is taken when its epoch order is drawn. Everything is checked before the file is
    written.

    Args:
        path: the file to write (conventionally ending in ``.npz``).
        model: a Module.
        optimizer: an Optimizer (or None to save only the model).
        epoch: the number of completed epochs.
        loader: a DataLoader whose shuffling state to save (optional).
        extra: any additional plain data (optional).

    Example:
        >>> import os, tempfile
        >>> from tinytorch.core.layers import Linear
        >>> from tinytorch.core.optimizers import Adam
        >>> model = Linear(2, 1)
        >>> optimizer = Adam(model.parameters())
        >>> path = os.path.join(tempfile.mkdtemp(), "run.npz")
        >>> save_checkpoint(path, model, optimizer, epoch=3, extra={"note": "first run"})
        >>> load_checkpoint(path, Linear(2, 1), Adam(Linear(2, 1).parameters()))["epoch"]
        3
    """
    check_int("save_checkpoint", "epoch", epoch, low=0)
    if loader is not None and not hasattr(loader, "state_dict"):
        raise TypeError(
            f"save_checkpoint: loader must be a DataLoader with state_dict() (its shuffling is "
            f"saved), got {type(loader).__name__}; a list of batches has no state: leave it out"
        )
    state = {
        "format": _FORMAT,
        "epoch": epoch,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "loader": loader.state_dict() if loader is not None else None,
        "random": random.generator().bit_generator.state,
        "extra": extra,
    }
    arrays = {}
    metadata = _pack(state, "", arrays)
    arrays["__metadata__"] = np.array(json.dumps(metadata))
    _write_atomically(path, arrays)


def _read_arrays(path):
    """Every array in the .npz file ``path``, or a clear error saying what the file is instead."""
    with open(path, "rb") as file:
        if file.read(6) == b"\x93NUMPY":
            raise ValueError(
                f"load_checkpoint: {path} is a single .npy array, not an .npz checkpoint written "
                f"by save_checkpoint"
            )
        if not zipfile.is_zipfile(file):
            raise ValueError(
                f"load_checkpoint: {path} is not an .npz archive (it is empty, truncated or "
                f"another kind of file); a checkpoint is the .npz written by save_checkpoint"
            )
        file.seek(0)
        try:
            with np.load(file, allow_pickle=False) as stored:
                return {key: stored[key] for key in stored.files}
        except (ValueError, EOFError, zipfile.BadZipFile) as error:
            raise ValueError(
                f"load_checkpoint: {path} is damaged or not a checkpoint: {error}"
            ) from error


def _check_parameters(path, saved, model, part="model"):
    """Raise unless ``saved`` (the file's ``part``) holds an array of exactly the shape and dtype
    of every parameter of ``model``, and nothing else. Stricter than Module.load_state_dict, which
    would cast another dtype: a checkpoint resumes the same model, bit for bit."""
    params = dict(model.named_parameters())
    check_names("load_checkpoint", f"the {part} in {path}", params,
                saved if isinstance(saved, dict) else {})
    for name, p in params.items():
        value = saved[name]
        if not isinstance(value, np.ndarray) or (value.shape, value.dtype) != (p.shape, p.dtype):
            got = (f"shape {value.shape} and dtype {value.dtype}" if isinstance(value, np.ndarray)
                   else f"a {type(value).__name__}")
            raise ValueError(
                f"load_checkpoint: {path} holds {got} for {part}[{name!r}], but the model's "
                f"parameter has shape {p.shape} and dtype {p.dtype}"
            )


def _check_generator_state(path, name, state, generator):
    """Raise unless ``state`` can be given to ``generator``: it is tried on a new generator of
    the same kind, so that ``generator`` itself is left alone."""
    try:
        type(generator.bit_generator)().state = state
    except (KeyError, TypeError, ValueError, OverflowError) as error:
        raise ValueError(
            f"load_checkpoint: {path} holds a damaged {name} generator state ({error!r})"
        ) from error


def _read_checkpoint(path, model, optimizer, loader):
    """The state saved in ``path``, checked against the objects it is for; nothing is loaded."""
    arrays = _read_arrays(path)
    if "__metadata__" not in arrays:
        raise ValueError(f"load_checkpoint: {path} is not a tinytorch checkpoint (no metadata)")
    try:
        metadata = json.loads(str(arrays.pop("__metadata__")))
    except json.JSONDecodeError as error:
        raise ValueError(
            f"load_checkpoint: {path} is damaged: its metadata is not valid JSON ({error})"
        ) from error
    found = metadata.get("format") if isinstance(metadata, dict) else None
    if found != _FORMAT:
        raise ValueError(f"load_checkpoint: {path} has format {found!r}, expected {_FORMAT!r}")
    if set(metadata) != set(_PARTS):
        raise ValueError(
            f"load_checkpoint: {path} is damaged: its metadata has the keys {sorted(metadata)}, "
            f"expected {sorted(_PARTS)}"
        )
    state = _unpack(path, metadata, arrays)
    epoch = state["epoch"]
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
        raise ValueError(
            f"load_checkpoint: {path} is damaged: epoch {epoch!r} is not an integer >= 0"
        )
    _check_parameters(path, state["model"], model)
    if optimizer is not None and state["optimizer"] is None:
        raise ValueError(f"load_checkpoint: {path} holds no optimizer state")
    if loader is not None:
        if state["loader"] is None:
            raise ValueError(f"load_checkpoint: {path} holds no data-loader state")
        if not isinstance(state["loader"], dict) or set(state["loader"]) != {"generator"}:
            raise ValueError(f"load_checkpoint: {path} holds a damaged data-loader state")
        _check_generator_state(path, "data-loader", state["loader"]["generator"], loader.generator)
    _check_generator_state(path, "random", state["random"], random.generator())
    return state


def _restore(path, state, model, optimizer, loader):
    """Load a state checked by ``_read_checkpoint``. Only the optimizer can still refuse it, and
    it checks everything before it changes anything, so it goes first: a refusal leaves every
    object as it was."""
    if optimizer is not None:
        try:
            optimizer.load_state_dict(state["optimizer"])
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(
                f"load_checkpoint: {path} holds an optimizer state that does not fit: {error}"
            ) from error
    model.load_state_dict(state["model"])
    if loader is not None:
        loader.load_state_dict(state["loader"])
    random.generator().bit_generator.state = state["random"]


def load_checkpoint(path, model, optimizer, loader=None):
    """Restore a checkpoint written by ``save_checkpoint`` into ``model``, ``optimizer`` and
    ``loader``; also restores tinytorch's random generator. Nothing is unpickled
    (``allow_pickle=False``).

    The whole file is checked first: its format, every parameter's name, shape and dtype (they
    must match the model's exactly), the optimizer's and the loader's states. A file that does
    not fit raises a ``ValueError`` naming it and the problem, and leaves every object as it was.

    Args:
        path: the checkpoint file.
        model: a Module with the same parameter names, shapes and dtypes.
        optimizer: an optimizer of the same kind over the same parameters (or None).
        loader: a DataLoader to give the saved shuffling state (optional).

    Returns:
        a dict with ``epoch`` (completed epochs) and ``extra`` (as saved).
    """
    if loader is not None and not hasattr(loader, "load_state_dict"):
        raise TypeError(
            f"load_checkpoint: loader must be a DataLoader with load_state_dict(), got "
            f"{type(loader).__name__}; a list of batches has no state: leave it out"
        )
    state = _read_checkpoint(path, model, optimizer, loader)
    _restore(path, state, model, optimizer, loader)
    return {"epoch": state["epoch"], "extra": state["extra"]}
