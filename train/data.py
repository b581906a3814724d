"""tf.data pipelines over scanned pixels: augmented batches for training, plain otherwise."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from .augment import build_augmenter
from .mixup import mixup
from .presets import Augment


def make_dataset(
    pixels: np.ndarray,
    labels: np.ndarray,
    n_classes: int,
    batch_size: int,
    augment: Augment | None = None,
    seed: int = 0,
    weights: np.ndarray | None = None,
) -> tf.data.Dataset:
    """Batches of (float32 RGB 0–255, targets[, weights]). With `augment`, shuffled and augmented
    each epoch (and blended in pairs if `augment.mixup`); with `weights` (one per photo), each
    batch carries its photos' loss weights.

    A label index of `n_classes` or more marks a photo of an unknown class (`--unknown`): its target
    is the uniform distribution, so the model learns to be unsure of it (outlier exposure) and the
    bin's confidence threshold sends it to the fallback compartment. Other targets are one-hot.

    Photos are decoded and resized once by the scan and held in memory (the in-memory cache), so
    each epoch only augments; prefetching overlaps that with the training step.
    """
    columns = (pixels, labels) if weights is None else (pixels, labels, weights.astype("float32"))
    ds = tf.data.Dataset.from_tensor_slices(columns)
    if augment is not None:
        ds = ds.shuffle(len(pixels), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)

    def to_float(x, y, *w):
        unknown = tf.expand_dims(y >= n_classes, 1)
        target = tf.where(unknown, 1 / n_classes, tf.one_hot(y, n_classes))
        return tf.cast(x, tf.float32), target, *w

    ds = ds.map(to_float, num_parallel_calls=tf.data.AUTOTUNE)
    if augment is not None:
        aug = build_augmenter(augment, seed)
        ds = ds.map(lambda x, *rest: (aug(x), *rest), num_parallel_calls=tf.data.AUTOTUNE)
        if augment.mixup:
            ds = ds.map(mixup(augment.mixup), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def balanced_class_weights(labels: np.ndarray, n_classes: int) -> dict[int, float]:
    """scikit-learn's 'balanced' weights over the known classes (label < n_classes):
    n_samples / (n_classes * count_of_class)."""
    known = labels[labels < n_classes]
    counts = np.bincount(known, minlength=n_classes)
    return {c: float(len(known) / (n_classes * counts[c])) for c in range(n_classes) if counts[c]}


def photo_weights(
    labels: np.ndarray, class_weight: dict[int, float], unknown_weight: float
) -> np.ndarray:
    """Each photo's loss weight: its class's weight, or `unknown_weight` for an unknown class."""
    return np.array([class_weight.get(int(y), unknown_weight) for y in labels], np.float32)
