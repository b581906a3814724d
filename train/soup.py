"""Start a model from the mean of several trained models' weights (`--init-from A B ...`).

A "model soup" (Wortsman et al. 2022): models fine-tuned from one start lie in one basin of the
loss, so the mean of their weights is a model too, often more accurate and more robust to
unfamiliar photos than any one of them, at one model's cost. It means nothing for models trained
from different starts, nor for a mix of models with BatchNorm folded into their kernels (rebuilt
from a `.tflite`, or trained on from one) and models with it apart.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from .errors import UserError
from .model import load_trained


def batchnorm_folded(model: keras.Model) -> bool:
    """Whether every BatchNormalization of `model` is the identity, its statistics folded into the
    kernels before it (as `train/from_tflite.py` leaves them)."""
    layers = [
        layer
        for layer in model._flatten_layers()
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    return all(
        np.all(np.asarray(bn.moving_mean) == 0) and np.all(np.asarray(bn.gamma) == 1)
        for bn in layers
    )


def load_soup(model: keras.Model, paths: list[Path], labels: list[str]) -> None:
    """Set `model` to the mean of the weights of the trained models at `paths` (each of a kind
    `load_trained` takes; one path: that model); one-line errors when they do not fit, or mix
    folded and unfolded BatchNorm."""
    total: list[np.ndarray] = []
    folded: dict[bool, Path] = {}
    for path in paths:
        load_trained(model, path, labels)
        folded.setdefault(batchnorm_folded(model), path)
        weights = model.get_weights()
        total = [t + w for t, w in zip(total, weights, strict=True)] if total else weights
    if len(folded) > 1:
        raise UserError(
            f"--init-from: {folded[True]} has its BatchNorm folded into the kernels (rebuilt "
            f"from a .tflite, or trained on from one) and {folded[False]} has not; the mean of "
            "their weights is no model (a soup needs models fine-tuned from one start)"
        )
    model.set_weights([(t / len(paths)).astype(t.dtype) for t in total])
