"""Stage 3: train the model as its int8 conversion will compute it, and end on the int8 grid.

The converter folds each BatchNormalization into the convolution before it
(W' = W * gamma / sqrt(var + eps), per output channel) and quantizes W' per output channel,
symmetrically: scale = max|W'| / 127, weights round(W' / scale); every activation it stores gets
256 levels over the range calibration finds. A fine-tuned MobileNetV2 turned out to be very
sensitive to the rounding of its kernels: on the validation split it alone flipped 6% of the
float model's answers (block_13_project alone 3%); int8 activations flipped about 1% more.

So the last stage is quantization-aware training with straight-through gradients:
- `int8_view` runs the model with every stored activation rounded to its calibrated int8 range
  (`FakeQuant`), sharing the model's weights;
- `GridAwareKernels` runs each batch on the kernels rounded to the converter's grid, while the
  optimizer's steps accumulate on float kernels kept between batches;
- the stage ends with the kernels on the grid (`snap_to_int8_grid`), so the converter finds
  nothing to round, and the float model is the one the int8 model reproduces.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

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


class FakeQuant(keras.layers.Layer):
    """Rounds an activation to the 256 levels int8 gives it over [low, high], as the converter
    will; the gradient passes straight through inside the range."""

    def __init__(self, low: float, high: float, **kwargs) -> None:
        super().__init__(**kwargs)
        self.low, self.high = low, high

    def call(self, x):
        return tf.quantization.fake_quant_with_min_max_args(x, self.low, self.high, num_bits=8)


def _quantized_points(base: keras.Model) -> list[str]:
    """Base layers whose output the int8 model stores as a tensor of its own (a conv's fused
    ReLU6, a linear bottleneck, a residual add)."""
    return [
        layer.name
        for layer in base.layers
        if isinstance(layer, (keras.layers.ReLU, keras.layers.Add))
        or layer.name.endswith("project_BN")
    ]


def _ranges(model: keras.Model, base: keras.Model, images: np.ndarray) -> dict[str, tuple]:
    """min/max of every quantized point over `images` (raw pixels), as calibration finds them."""
    points = _quantized_points(base)
    probe = keras.Model(base.input, [base.get_layer(n).output for n in points])
    lo, hi = {n: 0.0 for n in points}, {n: 0.0 for n in points}  # int8 ranges include 0
    for start in range(0, len(images), 8):
        scaled = model.layers[1](images[start : start + 8].astype(np.float32))
        for name, act in zip(points, probe(scaled, training=False), strict=True):
            lo[name] = min(lo[name], float(keras.ops.min(act)))
            hi[name] = max(hi[name], float(keras.ops.max(act)))
    return {n: (lo[n], hi[n]) for n in points}


def int8_view(model: keras.Model, base: keras.Model, calibration: np.ndarray) -> keras.Model:
    """`model` as its int8 conversion computes it, sharing its weights: the scaled input and every
    quantized point of the base rounded to the int8 range calibrated on `calibration` images.

    `model` is a chain of layers with `base` among them, its first layer the input scaling (see
    train/model.py). Training this view trains `model`.
    """
    ranges = _ranges(model, base, calibration)
    inputs = keras.Input(model.input_shape[1:])
    x = inputs
    for i, layer in enumerate(model.layers[1:]):
        x = _through(base, x, ranges) if layer is base else layer(x)
        if i == 0:
            # convert/ pins the input range to 0..255 pixels, i.e. [-1, 1] after the scaling
            x = FakeQuant(-1.0, 1.0, name="int8_input")(x)
    return keras.Model(inputs, x, name=f"{model.name}_int8_view")


def _through(base: keras.Model, x, ranges: dict[str, tuple]):
    """Call the base's own layers on x in graph order, rounding each quantized point."""
    out = {id(base.inputs[0]): x}
    for layer in base.layers[1:]:
        node = layer._inbound_nodes[0]
        args = [out[id(t)] for t in node.input_tensors]
        y = layer(args if len(args) > 1 else args[0])
        if layer.name in ranges:
            y = FakeQuant(*ranges[layer.name], name=f"int8_{layer.name}")(y)
        out[id(layer.output)] = y
    return out[id(base.outputs[0])]
