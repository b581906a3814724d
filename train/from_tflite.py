"""Start a Keras model from a shipped int8 TFLite model (`--init-from models/NAME.tflite`).

A clone of the repository holds the int8 model, not the Keras run it came from; this puts that
model's weights back into the Keras graph, so training can go on from what ships. The converter
folded each BatchNormalization into the layer before it and quantized the folded weights per
channel; here they are dequantized into those layers and each BatchNormalization becomes the
identity (gamma 1, variance 1 - epsilon, mean 0) carrying the folded bias as its beta. In inference
mode (how the pretrained base is called, and frozen during fine-tuning) the model computes what the
int8 model computes, without the activation rounding, and its kernels are already on the int8 grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from device.errors import UserError as DeviceError
from device.model import interpreter_class, load_sidecar

from .errors import UserError
from .int8_grid import conv_bn_pairs

WEIGHTED_OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")


@dataclass(frozen=True)
class TfliteLayer:
    """One weighted op of the int8 model, dequantized, in Keras's layout."""

    op: str
    kernel: np.ndarray
    bias: np.ndarray


def _dequantize(tensor: dict, value: np.ndarray) -> np.ndarray:
    q = tensor["quantization_parameters"]
    scales, zeros = q["scales"], q["zero_points"]
    if len(scales) == 0:
        return value.astype(np.float32)
    shape = [1] * value.ndim
    if len(scales) > 1:
        shape[q["quantized_dimension"]] = len(scales)
    return ((value.astype(np.float64) - zeros.reshape(shape)) * scales.reshape(shape)).astype(
        np.float32
    )


def _keras_layout(op: str, kernel: np.ndarray) -> np.ndarray:
    if op == "CONV_2D":  # [out, h, w, in] -> [h, w, in, out]
        return kernel.transpose(1, 2, 3, 0)
    if op == "DEPTHWISE_CONV_2D":  # [1, h, w, channels] -> [h, w, channels, 1]
        return kernel[0][..., None]
    return kernel.T  # FULLY_CONNECTED: [out, in] -> [in, out]


def read_tflite_layers(path: Path) -> list[TfliteLayer]:
    """The convolutions and dense layers of a TFLite model (int8, float16 or float32), in graph
    order, as float32."""
    try:
        _, interpreter = interpreter_class()
        interp = interpreter(model_path=str(path))
    except DeviceError as exc:
        raise UserError(str(exc)) from None
    except ValueError as exc:
        raise UserError(f"--init-from {path} is not a TFLite model: {exc}") from None
    tensors = {t["index"]: t for t in interp.get_tensor_details()}
    ops = interp._get_ops_details()
    # a float16 model stores its weights as float16 constants, each behind a DEQUANTIZE op
    stored = {op["outputs"][0]: op["inputs"][0] for op in ops if op["op_name"] == "DEQUANTIZE"}

    def constant(index: int) -> np.ndarray:
        index = stored.get(index, index)
        return _dequantize(tensors[index], interp.get_tensor(index))

    layers = []
    for op in ops:
        if op["op_name"] not in WEIGHTED_OPS:
            continue
        w, b = op["inputs"][1], op["inputs"][2] if len(op["inputs"]) > 2 else -1
        raw = constant(w)
        channels = raw.shape[3] if op["op_name"] == "DEPTHWISE_CONV_2D" else raw.shape[0]
        bias = constant(b) if b >= 0 else np.zeros(channels, np.float32)
        layers.append(TfliteLayer(op["op_name"], _keras_layout(op["op_name"], raw), bias))
    return layers


def _as_identity(bn: keras.layers.BatchNormalization, beta: np.ndarray) -> None:
    n = bn.gamma.shape[0]
    bn.set_weights([np.ones(n), beta, np.zeros(n), np.full(n, 1.0 - bn.epsilon)])


def _sidecar_labels(path: Path) -> list[str] | None:
    if not path.with_suffix(".json").is_file():
        return None
    try:
        return load_sidecar(path)["labels"]
    except DeviceError as exc:
        raise UserError(f"--init-from {path}: {exc}") from None


def load_tflite(model: keras.Model, path: Path, labels: list[str]) -> None:
    """Set `model` (train/model.py's graph) to the weights of the int8 model at `path`.

    The labels in the model's sidecar, when it has one, must be the run's, in the same order.
    """
    known = _sidecar_labels(path)
    if known is not None and known != labels:
        raise UserError(
            f"--init-from {path} was trained on classes {','.join(known)}; this run has "
            f"{','.join(labels)} (pass the same --classes, in the same order)"
        )
    layers = read_tflite_layers(path)
    base = next(layer for layer in model.layers if isinstance(layer, keras.Model))
    pairs = conv_bn_pairs(base)
    dense = [model.get_layer("head_dense"), model.get_layer("probs")]
    convs = [t for t in layers if t.op != "FULLY_CONNECTED"]
    fcs = [t for t in layers if t.op == "FULLY_CONNECTED"]
    targets = [conv for conv, _ in pairs] + dense
    if (
        len(convs) != len(pairs)
        or len(fcs) != len(dense)
        or any(
            tuple(layer.kernel.shape) != t.kernel.shape
            for layer, t in zip(targets, convs + fcs, strict=True)
        )
    ):
        raise UserError(
            f"--init-from {path} does not fit this run: it has {len(convs)} convolutions and "
            f"{fcs[-1].kernel.shape[-1] if fcs else 0} outputs, this run {len(pairs)} and "
            f"{len(labels)} (the same --classes and --alpha are needed)"
        )
    for (conv, bn), t in zip(pairs, convs, strict=True):
        conv.kernel.assign(t.kernel)
        _as_identity(bn, t.bias)
    # The converter folded head_bn into head_dense: the folded weights go there and head_bn stays
    # the identity for good. Left trainable, it would learn the features' statistics afresh and
    # scale the already folded weights again (by up to 21x, training on from v11), and the next
    # conversion, folding that into per-channel int8 weights, flipped half of the answers.
    head_bn = model.get_layer("head_bn")
    _as_identity(head_bn, np.zeros(head_bn.gamma.shape[0]))
    head_bn.trainable = False
    for layer, t in zip(dense, fcs, strict=True):
        layer.set_weights([t.kernel, t.bias])
