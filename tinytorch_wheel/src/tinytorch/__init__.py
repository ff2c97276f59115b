"""tinytorch: a small deep-learning framework built module by module in the TinyTorch course."""

from tinytorch.core.tensor import Tensor
from tinytorch.core.autograd import no_grad
from tinytorch.random import manual_seed

__version__ = "0.1.0"
__all__ = ["Tensor", "no_grad", "manual_seed", "__version__"]
