"""The int8-grid stage: snapped kernels are what the converter stores, and only BN trains."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
from ai_edge_litert.interpreter import Interpreter

from convert.quantize import convert
from train.int8_grid import (
    GridAwareKernels,
    conv_bn_pairs,
    grid_error,
    int8_view,
    snap_to_int8_grid,
)


@pytest.fixture
def tiny() -> tuple[keras.Model, keras.Model]:
    """A small MobileNetV2 with random kernels and random BatchNorm statistics (so folding
    changes every channel differently), wrapped like train.model's: raw pixels in."""
    keras.utils.set_random_seed(3)
    base = keras.applications.MobileNetV2(
        input_shape=(32, 32, 3), alpha=0.35, include_top=False, weights=None
    )
    rng = np.random.default_rng(3)
    for _conv, bn in conv_bn_pairs(base):
        n = bn.get_weights()[0].shape[0]
        bn.set_weights(
            [rng.uniform(0.5, 2, n), rng.normal(0, 0.3, n), rng.normal(0, 0.3, n),
             rng.uniform(0.2, 4, n)]
        )  # fmt: skip
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.Rescaling(1 / 127.5, offset=-1)(inputs)
    x = keras.layers.GlobalAveragePooling2D()(base(x, training=False))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))
    return model, base


def test_snap_puts_every_folded_kernel_on_its_grid(tiny):
    model, base = tiny
    pairs = conv_bn_pairs(base)
    assert len(pairs) == 52  # every conv of MobileNetV2 is followed by its BatchNorm
    assert max(grid_error(c, b) for c, b in pairs) > 0.4  # random kernels: off the grid
    x = np.random.default_rng(0).uniform(0, 255, (4, 32, 32, 3)).astype(np.float32)
    before = model.predict(x, verbose=0)
    assert snap_to_int8_grid(base) == 52
    assert max(grid_error(c, b) for c, b in pairs) < 1e-3
    after = model.predict(x, verbose=0)
    assert 0 < np.abs(after - before).max() < 0.2  # rounding moved the outputs, a little
    kernels = [c.get_weights()[0] for c, _ in pairs]
    snap_to_int8_grid(base)  # idempotent
    assert all(
        np.array_equal(k, c.get_weights()[0]) for k, (c, _) in zip(kernels, pairs, strict=True)
    )


def _tflite_kernels(blob: bytes) -> list[np.ndarray]:
    """Dequantized per-channel int8 kernels of a TFLite model, in Keras layout."""
    itp = Interpreter(model_content=blob)
    out = []
    for t in itp.get_tensor_details():
        q = t["quantization_parameters"]
        if t["dtype"] != np.int8 or len(q["scales"]) < 2 or len(t["shape"]) != 4:
            continue
        w = itp.get_tensor(t["index"]).astype(np.float64)
        axis = q["quantized_dimension"]
        shape = [1] * 4
        shape[axis] = -1
        w = w * q["scales"].reshape(shape)
        # TFLite conv: (out, kh, kw, in) -> Keras (kh, kw, in, out); depthwise: (1, kh, kw, c)
        out.append(np.transpose(w, (1, 2, 3, 0)))
    return out


def test_converter_stores_snapped_kernels_exactly(tiny):
    model, base = tiny
    snap_to_int8_grid(base)
    rep = np.random.default_rng(1).integers(0, 256, (8, 32, 32, 3), dtype=np.uint8)
    stored = _tflite_kernels(convert(model, "int8", rep))
    pairs = conv_bn_pairs(base)
    assert len(stored) == len(pairs)
    for conv, bn in pairs:
        gamma, _beta, _mean, var = bn.get_weights()
        folded = (
            conv.get_weights()[0]
            * (gamma / np.sqrt(var + bn.epsilon))[
                (None, None, slice(None), None)
                if isinstance(conv, keras.layers.DepthwiseConv2D)
                else (None, None, None, slice(None))
            ]
        )
        same_shape = [w for w in stored if w.shape == folded.shape]
        err = min(np.abs(w - folded).max() / np.abs(folded).max() for w in same_shape)
        assert err < 1e-5, conv.name  # the converter rounded nothing: already on its grid


class _OnGrid(keras.callbacks.Callback):
    """Records, at the start of every training batch and validation batch, how far the kernels
    are from their grid; runs after GridAwareKernels in the callback list."""

    def __init__(self, pairs):
        super().__init__()
        self.pairs, self.train, self.val = pairs, [], []

    def _error(self) -> float:
        return max(grid_error(c, b) for c, b in self.pairs)

    def on_train_batch_begin(self, batch, logs=None):
        self.train.append(self._error())

    def on_test_batch_begin(self, batch, logs=None):
        self.val.append(self._error())


def test_grid_aware_training_sees_the_grid_and_keeps_float_kernels_between_batches(tiny):
    model, base = tiny
    pairs = conv_bn_pairs(base)
    snap_to_int8_grid(base)
    start = [c.kernel.numpy() for c, _ in pairs]
    probe = _OnGrid(pairs)
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    x = np.random.default_rng(2).uniform(0, 255, (32, 32, 32, 3)).astype(np.float32)
    y = np.arange(32) % 3
    model.fit(
        x, y, batch_size=8, epochs=3, validation_data=(x[:8], y[:8]),
        callbacks=[GridAwareKernels(base), probe], verbose=0,
    )  # fmt: skip
    assert len(probe.train) == 12 and len(probe.val) == 3
    assert max(probe.train + probe.val) < 1e-3  # every batch ran on the grid
    moved = [c.kernel.numpy() for c, _ in pairs]
    # between batches the optimizer's small steps accumulate in float, off the grid...
    assert max(grid_error(c, b) for c, b in pairs) > 0.01
    assert any(not np.array_equal(a, b) for a, b in zip(start, moved, strict=True))
    snap_to_int8_grid(base)
    # ...until they carry some weights across to other grid points
    crossed = sum(
        int((c.kernel.numpy() != s).sum()) for (c, _), s in zip(pairs, start, strict=True)
    )
    assert crossed > 0


def test_grid_stage_of_a_training_run_leaves_the_kernels_on_the_grid(tiny_run):
    model = keras.models.load_model(tiny_run / "model.keras")
    base = next(layer for layer in model.layers if isinstance(layer, keras.Model))
    assert max(grid_error(c, b) for c, b in conv_bn_pairs(base)) < 1e-3
    stages = json.loads((tiny_run / "metrics.json").read_text())["stages"]
    assert len(stages) == 3 and stages[2]["epochs_run"] >= 1


def test_int8_view_shares_the_weights_and_predicts_the_int8_model(tiny):
    model, base = tiny
    model = keras.Model(model.input, model.layers[-2].output)  # pooled features: more to compare
    snap_to_int8_grid(base)
    rng = np.random.default_rng(4)
    rep = rng.integers(0, 256, (16, 32, 32, 3), dtype=np.uint8)
    view = int8_view(model, base, rep)
    assert {id(w) for w in view.weights} == {id(w) for w in model.weights}
    itp = Interpreter(model_content=convert(model, "int8", rep))
    itp.allocate_tensors()
    (inp,), (out,) = itp.get_input_details(), itp.get_output_details()
    x = rng.integers(0, 256, (8, 32, 32, 3), dtype=np.uint8)
    q = []
    for img in x:
        itp.set_tensor(inp["index"], img[None])
        itp.invoke()
        scale, zero = out["quantization"]
        q.append((itp.get_tensor(out["index"])[0].astype(np.float32) - zero) * scale)
    q = np.array(q)
    float_gap = np.abs(model.predict(x.astype(np.float32), verbose=0) - q).mean()
    view_gap = np.abs(view.predict(x.astype(np.float32), verbose=0) - q).mean()
    assert view_gap < float_gap / 2
