"""Training (module 07): everything that turns a model, a loss and an optimizer into a trained
model, gathered from the four files that define it, in the order of the course::

    tinytorch.core.metrics      accuracy, Metric, Accuracy, Precision, Recall, MeanAbsoluteError
    tinytorch.core.loop         clip_grad_norm_, train_epoch, evaluate   (one epoch at a time)
    tinytorch.core.trainer      History, EarlyStopping, Trainer          (many epochs)
    tinytorch.core.checkpoint   save_checkpoint, load_checkpoint         (stop and resume)

``from tinytorch.core.training import Trainer, accuracy, ...`` is the import the notebooks and
the pages use; open the file named above to read a definition.

A model learns in the loop: for every batch, clear the gradients, forward, loss, backward, step
(``train_epoch``); the ``Trainer`` runs that loop epoch after epoch, records a ``History``, stops
early and saves checkpoints from which training resumes exactly as if it had never stopped.
"""

from tinytorch.core.checkpoint import load_checkpoint, save_checkpoint
from tinytorch.core.loop import clip_grad_norm_, evaluate, train_epoch
from tinytorch.core.metrics import Accuracy, MeanAbsoluteError, Metric, Precision, Recall, accuracy
from tinytorch.core.trainer import EarlyStopping, History, Trainer

__all__ = [
    "accuracy",
    "Metric",
    "Accuracy",
    "Precision",
    "Recall",
    "MeanAbsoluteError",
    "clip_grad_norm_",
    "train_epoch",
    "evaluate",
    "History",
    "EarlyStopping",
    "Trainer",
    "save_checkpoint",
    "load_checkpoint",
]
