"""The random number generator behind parameter initialisation and dropout.

One generator for the whole package, like PyTorch's default generator: ``manual_seed`` makes model
initialisation and dropout masks reproducible. (The DataLoader has its own generator, so that
shuffling can be checkpointed and resumed independently.)
"""

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed):
    """Seed the generator used by ``Linear`` initialisation and ``Dropout``, like ``torch.manual_seed``."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative integer, got {seed!r}")
    _generator = np.random.default_rng(seed)


def generator():
    """The current package-wide numpy Generator."""
    return _generator
