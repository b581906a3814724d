"""Shared fixtures: a tiny int8 colour classifier with its sidecar, sample photos, configs.

The model is a real TFLite int8 model (TensorFlow is used here, never in device/): a few conv
layers trained for a few steps on images whose class is their dominant colour, converted
full-integer with uint8 input and output, so the device runs exactly the kind of file the
convert stage writes.
"""

import hashlib
import json
import os
import warnings
from pathlib import Path

import cv2
import numpy as np
import pytest

LABELS = ["cardboard", "metal", "paper", "plastic", "trash"]
COLOURS = {
    "cardboard": (170, 120, 60),
    "metal": (60, 60, 200),
    "paper": (235, 235, 235),
    "plastic": (50, 190, 60),
    "trash": (200, 40, 40),
}
SIZE = 32  # model input (square)
CAMERA = (160, 120)  # width, height of test camera frames


def colour_photo(label: str, rng: np.random.Generator, shape=(72, 96)) -> np.ndarray:
    """An RGB photo of one 'item': its class colour with noise and a darker blotch."""
    h, w = shape
    img = np.array(COLOURS[label], np.float32) + rng.normal(0, 12, (h, w, 3))
    y, x = rng.integers(0, h // 2), rng.integers(0, w // 2)
    img[y : y + h // 3, x : x + w // 3] *= 0.8
    return np.clip(img, 0, 255).astype(np.uint8)


def _train_and_convert(out: Path) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    keras = tf.keras
    rng = np.random.default_rng(0)
    x = np.stack([colour_photo(LABELS[i % 5], rng, (SIZE, SIZE)) for i in range(400)])
    y = np.arange(400) % 5
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((SIZE, SIZE, 3)),
            keras.layers.Rescaling(1 / 255.0),
            keras.layers.Conv2D(8, 3, strides=2, activation="relu"),
            keras.layers.Conv2D(16, 3, strides=2, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(len(LABELS), activation="softmax"),
        ]
    )
    model.compile(keras.optimizers.Adam(0.02), "sparse_categorical_crossentropy")
    model.fit(x.astype(np.float32), y, epochs=8, batch_size=32, verbose=0)

    def representative():
        for img in x[:50]:
            yield [img[None].astype(np.float32)]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.uint8
    converter.inference_output_type = tf.uint8
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Statistics for quantized inputs")
        out.write_bytes(converter.convert())


def write_sidecar(model: Path, labels=LABELS, size=(SIZE, SIZE), resize="stretch") -> None:
    """A sidecar per docs/contracts.md, output quantization read from the model itself."""
    from ai_edge_litert.interpreter import Interpreter

    (o,) = Interpreter(model_path=str(model)).get_output_details()
    scale, zero_point = o["quantization"]
    sidecar = {
        "format": 1,
        "labels": list(labels),
        "input": {
            "height": size[0],
            "width": size[1],
            "dtype": "uint8",
            "color": "RGB",
            "resize": resize,
        },
        "output": {"dtype": "uint8", "scale": scale, "zero_point": zero_point},
        "quantization": "int8",
        "sha256": hashlib.sha256(model.read_bytes()).hexdigest(),
    }
    model.with_suffix(".json").write_text(json.dumps(sidecar, indent=2))


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """models/tiny_int8.tflite + .json: a 32x32 int8 colour classifier (session-wide)."""
    path = tmp_path_factory.mktemp("models") / "tiny_int8.tflite"
    _train_and_convert(path)
    write_sidecar(path)
    return path


@pytest.fixture(scope="session")
def samples(tmp_path_factory) -> Path:
    """samples/<class>/<n>.jpg: three photos per class."""
    root = tmp_path_factory.mktemp("samples")
    rng = np.random.default_rng(1)
    for label in LABELS:
        (root / label).mkdir()
        for n in range(3):
            bgr = cv2.cvtColor(colour_photo(label, rng), cv2.COLOR_RGB2BGR)
            cv2.imwrite(str(root / label / f"{n}.jpg"), bgr)
    return root


def config_text(model: Path, source: Path, state: Path, extra: str = "") -> str:
    """A TOML config for tests: replay camera, fast timings, tiny holds. `extra` is appended."""
    w, h = CAMERA
    return f"""
[model]
path = "{model}"
num_threads = 1

[camera]
type = "replay"
source = "{source}"
width = {w}
height = {h}
replay_item_frames = 10
replay_gap_frames = 3

[router]
home_hold_s = 0.0

[state]
dir = "{state}"
{extra}
"""
