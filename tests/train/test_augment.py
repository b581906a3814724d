"""Training-time augmentation: what it changes and what it must leave alone."""

import numpy as np
import tensorflow as tf

from train.augment import build_augmenter, recolour_backdrop
from train.presets import PRESETS, Augment

BACKDROP = (235, 235, 228)  # TrashNet's warm white posterboard
CARDBOARD = (150, 95, 45)
SHADOW = (30, 30, 32)


def _scene(n: int = 8) -> tf.Tensor:
    """n copies of a 24×24 image: backdrop on the left, cardboard top right, shadow bottom right."""
    img = np.empty((24, 24, 3), np.float32)
    img[:, :12] = BACKDROP
    img[:12, 12:] = CARDBOARD
    img[12:, 12:] = SHADOW
    return tf.constant(np.repeat(img[None], n, axis=0))


def test_backdrop_is_recoloured_and_the_object_is_not():
    x = _scene()
    tf.random.set_seed(1)
    y = recolour_backdrop(x, 1.0).numpy()
    change = np.abs(y - x.numpy())
    assert change[:, :, 12:].max() < 0.5  # cardboard and shadow keep their colour
    backdrop = y[:, :, :12].mean(axis=(1, 2))  # per image, per channel
    assert (np.abs(backdrop - BACKDROP).max(axis=1) > 20).all()  # every backdrop changed
    assert backdrop.std(axis=0).min() > 10  # and to different colours
    assert y.min() >= 0 and y.max() <= 255


def test_backdrop_probability_zero_changes_nothing():
    x = _scene()
    assert np.array_equal(recolour_backdrop(x, 0.0).numpy(), x.numpy())


def test_default_augmenter_changes_images_within_pixel_range():
    x = _scene(16)
    y = build_augmenter(PRESETS["default"].augment, seed=3)(x).numpy()
    assert y.shape == x.shape
    assert y.min() >= 0 and y.max() <= 255
    assert np.abs(y - x.numpy()).mean(axis=(1, 2, 3)).min() > 1  # every image was altered


def test_no_op_augmenter_is_the_identity():
    still = Augment(rotation_deg=0, shift=0, zoom=0, flip=False, brightness=(1, 1))
    x = _scene(4)
    assert np.allclose(build_augmenter(still, seed=0)(x).numpy(), x.numpy(), atol=1e-3)
