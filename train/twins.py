"""Near-copies: one item photographed twice, nearly alike, which must share a split.

TrashNet holds such pairs (the same flyer or can, moved a little between two shots). Split apart,
the copy in training answers for the copy in validation or test, and held-out accuracy is inflated.
They are found by the cosine similarity of the ImageNet base's pooled features: at 0.85 and above
TrashNet's pairs are the same item in nearly the same pose; below about 0.82 they become different
items of one kind seen alike (two cans from above), which may be split apart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import keras

TWIN_SIMILARITY = 0.85


def pooled_features(
    model: keras.Model, pixels: np.ndarray, batch_size: int, verbose: int
) -> np.ndarray:
    """Unit-length pooled base features (`train.model.build_model`'s `gap` layer) of uint8 photos;
    taken from a freshly built model, they are the ImageNet features."""
    import keras  # late: the CLI reads TWIN_SIMILARITY without starting TensorFlow

    extractor = keras.Model(model.inputs, model.get_layer("gap").output)
    return unit_features(extractor.predict(pixels, batch_size=batch_size, verbose=verbose))


def unit_features(features: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (cosine similarity becomes a dot product)."""
    norms = np.linalg.norm(features, axis=1, keepdims=True)
    return features / np.maximum(norms, 1e-12)


def twin_groups(features: np.ndarray, threshold: float, block: int = 512) -> np.ndarray:
    """Group index of each photo: photos whose unit features have cosine similarity ≥ `threshold`
    share a group, transitively. A photo with no near-copy is a group of its own. Memory stays at
    `block` rows of similarities at a time, so large photo sets fit."""
    n = len(features)
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for start in range(0, n, block):
        sims = features[start : start + block] @ features[start:].T
        for a, b in zip(*np.nonzero(sims >= threshold), strict=True):
            ra, rb = root(start + a), root(start + b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return np.array([root(i) for i in range(n)])
