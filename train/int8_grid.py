"""Train the base's convolution kernels onto the int8 grid the TFLite converter will use.

The converter folds each BatchNormalization into the convolution before it
(W' = W * gamma / sqrt(var + eps), per output channel) and quantizes W' per output channel,
symmetrically: scale = max|W'| / 127, weights round(W' / scale). A fine-tuned MobileNetV2 turned
out to be very sensitive to that rounding: on the validation split the rounding of the kernels
alone flipped 6% of the float model's answers (block_13_project alone 3%), while int8 activations
flipped about 1%.

The int8-grid stage is quantization-aware training of the kernels with a straight-through
estimator (`GridAwareKernels`): every batch runs forward and backward on the kernels rounded to
that grid, and the optimizer's step lands on float kernels kept between batches, so they can
move across grid points. The stage ends with the kernels on the grid (`snap_to_int8_grid`): the
converter then finds nothing to round, and the float model is the one the int8 model reproduces.
"""

from __future__ import annotations

import keras
import numpy as np

CONVS = (keras.layers.Conv2D, keras.layers.DepthwiseConv2D)


def conv_bn_pairs(base: keras.Model) -> list[tuple[keras.layers.Layer, keras.layers.Layer]]:
    """(convolution, the BatchNormalization that follows it) for every such pair in the base."""
    pairs = []
    for layer in base.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            source = layer._inbound_nodes[0].input_tensors[0]._keras_history[0]
            if isinstance(source, CONVS):
                pairs.append((source, layer))
    return pairs


def _folded_and_factor(
    conv: keras.layers.Layer, bn: keras.layers.Layer
) -> tuple[np.ndarray, np.ndarray]:
    """The kernel as the converter folds it, and the per-channel factor it was multiplied by."""
    gamma, _beta, _mean, var = (np.asarray(w, np.float64) for w in bn.get_weights())
    g = gamma / np.sqrt(var + bn.epsilon)
    depthwise = isinstance(conv, keras.layers.DepthwiseConv2D)
    factor = g[None, None, :, None] if depthwise else g
    return np.asarray(conv.kernel.numpy(), np.float64) * factor, factor


def _grid_scale(conv: keras.layers.Layer, folded: np.ndarray) -> np.ndarray:
    depthwise = isinstance(conv, keras.layers.DepthwiseConv2D)
    scale = np.abs(folded).max(axis=(0, 1, 3) if depthwise else (0, 1, 2), keepdims=True) / 127
    return np.where(scale == 0, 1.0, scale)  # an all-zero channel stays zero


def snapped_kernel(conv: keras.layers.Layer, bn: keras.layers.Layer) -> np.ndarray:
    """The conv's kernel rounded so that, once folded, every weight sits on its int8 grid point."""
    folded, factor = _folded_and_factor(conv, bn)
    scale = _grid_scale(conv, folded)
    return (np.round(folded / scale) * scale / factor).astype(np.float32)


def grid_error(conv: keras.layers.Layer, bn: keras.layers.Layer) -> float:
    """Largest distance of a folded kernel weight from its int8 grid point, in grid steps."""
    folded, _ = _folded_and_factor(conv, bn)
    steps = folded / _grid_scale(conv, folded)
    return float(np.abs(steps - np.round(steps)).max())


def snap_to_int8_grid(base: keras.Model) -> int:
    """Round every BN-followed kernel of the base onto the converter's int8 grid; count them."""
    pairs = conv_bn_pairs(base)
    for conv, bn in pairs:
        conv.kernel.assign(snapped_kernel(conv, bn))
    return len(pairs)


class GridAwareKernels(keras.callbacks.Callback):
    """Straight-through quantization-aware training of the kernels (see the module docstring).

    Each training batch and each validation pass sees the kernels on the grid; between batches the
    float kernels, moved by the optimizer's step, are what is kept.
    """

    def __init__(self, base: keras.Model) -> None:
        super().__init__()
        self.pairs = conv_bn_pairs(base)
        self._float: list[np.ndarray] = []
        self._snapped: list[np.ndarray] = []

    def _to_grid(self) -> None:
        self._float = [conv.kernel.numpy() for conv, _ in self.pairs]
        self._snapped = [snapped_kernel(conv, bn) for conv, bn in self.pairs]
        for (conv, _), kernel in zip(self.pairs, self._snapped, strict=True):
            conv.kernel.assign(kernel)

    def _back(self, keep_step: bool) -> None:
        for (conv, _), kept, snapped in zip(self.pairs, self._float, self._snapped, strict=True):
            conv.kernel.assign(kept + (conv.kernel.numpy() - snapped) if keep_step else kept)

    def on_train_batch_begin(self, batch: int, logs=None) -> None:
        self._to_grid()

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        self._back(keep_step=True)

    def on_test_begin(self, logs=None) -> None:
        self._to_grid()

    def on_test_end(self, logs=None) -> None:
        self._back(keep_step=False)
