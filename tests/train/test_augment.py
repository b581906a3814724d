"""Training-time augmentation: what it changes and what it must leave alone."""

from dataclasses import replace

import numpy as np
import tensorflow as tf

from train.augment import build_augmenter, mottled, recolour_backdrop
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


def _chromaticity_spread(y: np.ndarray) -> np.ndarray:
    """Per image, how far the backdrop's colour direction (r, g, b over their sum) varies."""
    backdrop = y[:, :, :12]
    chroma = backdrop / backdrop.sum(axis=3, keepdims=True)
    return (chroma.max(axis=(1, 2)) - chroma.min(axis=(1, 2))).max(axis=1)


def test_texture_mottles_the_backdrop_in_two_colours_and_leaves_the_object():
    x = _scene()
    tf.random.set_seed(2)
    flat = recolour_backdrop(x, 1.0, texture=0.0).numpy()
    tf.random.set_seed(2)
    mottled_ = recolour_backdrop(x, 1.0, texture=1.0).numpy()
    # one colour, unevenly lit: the shade scales it, its direction stays
    assert _chromaticity_spread(flat).max() < 1e-3
    assert np.median(_chromaticity_spread(mottled_)) > 0.02  # two colours blend across it
    assert np.abs(mottled_ - x.numpy())[:, :, 12:].max() < 0.5
    assert mottled_.min() >= 0 and mottled_.max() <= 255


def test_mottled_patterns_span_zero_to_one_and_differ():
    t = mottled(3, 32, 40).numpy()
    assert t.shape == (3, 32, 40, 1)
    assert np.allclose(t.min(axis=(1, 2, 3)), 0) and np.allclose(t.max(axis=(1, 2, 3)), 1)
    assert np.abs(t[0] - t[1]).mean() > 0.05


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


def _square_area_after(zoom_in: float, n: int = 16) -> np.ndarray:
    """The area of a centred white 8×8 square on black (32×32) after geometric augmentation that
    only zooms, in by up to `zoom_in`, per image."""
    x = np.zeros((n, 32, 32, 3), np.float32)
    x[:, 12:20, 12:20] = 255
    spec = Augment(
        rotation_deg=0,
        shift=0,
        zoom=0,
        zoom_in=zoom_in,
        flip=False,
        brightness=(1.0, 1.0),
        fill_mode="constant",
    )
    y = build_augmenter(spec, seed=3)(tf.constant(x)).numpy()
    return (y[..., 0] > 127).sum(axis=(1, 2))


def test_zoom_in_frames_closer_and_never_further():
    assert (_square_area_after(0.0) == 64).all()
    area = _square_area_after(0.5)  # the visible side shrinks to 50–100 %: 1–4 times the area
    assert area.min() >= 60 and area.max() <= 260
    assert area.max() > 120 and len(set(area.tolist())) > 4


def _extent(mask: np.ndarray, axis: int) -> np.ndarray:
    """Per image, how many columns (axis 1) or rows (axis 2) hold any dark pixel."""
    return mask.any(axis=axis).sum(axis=1)


def test_aspect_zooms_the_height_alone():
    img = np.full((16, 32, 32, 3), 230, np.float32)
    img[:, 12:20, 12:20] = 20  # a dark 8×8 item in the middle of a white backdrop
    still = Augment(rotation_deg=0, shift=0, zoom=0, flip=False, brightness=(1, 1))
    out = build_augmenter(replace(still, aspect=0.5), seed=3)(tf.constant(img)).numpy()
    dark = out.mean(axis=3) < 125
    assert (np.abs(_extent(dark, 1) - 8) <= 1).all()  # every item keeps its width...
    heights = _extent(dark, 2)
    assert heights.min() <= 7 and heights.max() >= 10  # ...and gets taller or squatter
    same = build_augmenter(still, seed=3)(tf.constant(img)).numpy()
    assert (_extent(same.mean(axis=3) < 125, 2) == 8).all()
