"""tf.data pipelines over scanned pixels: augmented batches for training, plain otherwise."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from .augment import build_augmenter
from .presets import Augment


def make_dataset(
    pixels: np.ndarray,
    labels: np.ndarray,
    n_classes: int,
    batch_size: int,
    augment: Augment | None = None,
    seed: int = 0,
) -> tf.data.Dataset:
    """Batches of (float32 RGB 0–255, one-hot). With `augment`, shuffled and augmented each epoch.

    Photos are decoded and resized once by the scan and held in memory (the in-memory cache), so
    each epoch only augments; prefetching overlaps that with the training step.
    """
    ds = tf.data.Dataset.from_tensor_slices((pixels, labels))
    if augment is not None:
        ds = ds.shuffle(len(pixels), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)

    def to_float(x, y):
        return tf.cast(x, tf.float32), tf.one_hot(y, n_classes)

    ds = ds.map(to_float, num_parallel_calls=tf.data.AUTOTUNE)
    if augment is not None:
        aug = build_augmenter(augment, seed)
        ds = ds.map(lambda x, y: (aug(x), y), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def balanced_class_weights(labels: np.ndarray, n_classes: int) -> dict[int, float]:
    """scikit-learn's 'balanced' weights: n_samples / (n_classes * count_of_class)."""
    counts = np.bincount(labels, minlength=n_classes)
    return {c: float(len(labels) / (n_classes * counts[c])) for c in range(n_classes) if counts[c]}
