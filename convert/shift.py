"""A shift to score against: the validation photos on other backdrops than TrashNet's white.

The bin's intake is not a white posterboard. A model that leans on the backdrop loses accuracy
here that it keeps on the plain photos. The shift is the training augmentation's own
`recolour_backdrop` (every photo, a fixed seed), so a model trained with that augmentation has seen
this kind of change, not these photos.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from train.augment import recolour_backdrop

SEED = 7


def recoloured_backdrops(images: np.ndarray) -> np.ndarray:
    """The uint8 photos with their bright, unsaturated pixels tinted; the same on every call."""
    tf.random.set_seed(SEED)
    out = recolour_backdrop(tf.constant(images, tf.float32), 1.0).numpy()
    return np.clip(np.round(out), 0, 255).astype(np.uint8)
