"""Keras model -> TFLite bytes: full-integer int8 with uint8 raw-pixel input, or float16/float32."""

from __future__ import annotations

from collections.abc import Iterator

import keras
import numpy as np
import tensorflow as tf

from train.split import content_order

VARIANTS = {"int8": "int8", "fp16": "float16", "fp32": "float32"}  # option -> sidecar name


def representative_rows(rows: list[dict[str, str]], count: int, seed: int = 0) -> list[dict]:
    """A deterministic, stratified choice of `count` rows (training split), spread over classes."""

    by_class: dict[str, list[dict]] = {}
    for r in sorted(rows, key=lambda r: content_order(seed, r["sha256"])):
        by_class.setdefault(r["label"], []).append(r)
    quota = {c: max(1, round(count * len(v) / len(rows))) for c, v in by_class.items()}
    return [r for c, v in by_class.items() for r in v[: quota[c]]]


def _range_anchor(h: int, w: int) -> np.ndarray:
    """A gradient covering 0..255, so the uint8 input quantization is exactly scale 1, zero 0."""
    ramp = np.linspace(0, 255, h * w, dtype=np.float32).reshape(1, h, w, 1)
    return np.repeat(ramp, 3, axis=3)


def convert(model: keras.Model, variant: str, representative: np.ndarray | None = None) -> bytes:
    """Convert to TFLite. `int8` needs representative images (N×H×W×3 uint8, un-augmented)."""
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if variant == "int8":
        assert representative is not None and len(representative)
        h, w = representative.shape[1:3]

        def samples() -> Iterator[list[np.ndarray]]:
            yield [_range_anchor(h, w)]
            for img in representative:
                yield [img[None].astype(np.float32)]

        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = samples
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.uint8
        converter.inference_output_type = tf.uint8
    elif variant == "fp16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif variant != "fp32":
        raise ValueError(f"unknown variant {variant!r}; valid: {', '.join(VARIANTS)}")
    return converter.convert()
