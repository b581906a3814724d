"""The backdrop and framing shifts that convert scores the validation photos under."""

import numpy as np
import pytest

from convert.shift import (
    patterned_backdrops,
    recoloured_backdrops,
    stripes_and_checks,
    upright_crop,
    upright_framing,
)


def _photos() -> np.ndarray:
    images = np.full((6, 32, 32, 3), 235, np.uint8)  # white backdrop...
    images[:, 8:24, 8:24] = (150, 95, 45)  # ...with a cardboard square on it
    return images


@pytest.mark.parametrize("shift", [recoloured_backdrops, patterned_backdrops])
def test_shift_is_repeatable_and_keeps_the_object(shift):
    images = _photos()
    once, again = shift(images), shift(images)
    assert once.dtype == np.uint8 and np.array_equal(once, again)
    assert np.array_equal(once[:, 8:24, 8:24], images[:, 8:24, 8:24])
    assert (np.abs(once[:, 0, 0].astype(int) - 235).max(axis=1) > 20).all()


def test_patterned_backdrop_has_two_colours_in_a_pattern():
    out = patterned_backdrops(_photos()).astype(int)
    band = out[:, :8]  # the backdrop above the object
    colours = [len({tuple(p) for p in img.reshape(-1, 3)}) for img in band]
    assert min(colours) >= 2  # not one flat colour
    assert max(colours) <= 8  # two colours, and a few rounding-level mixes at most


def test_stripes_and_checks_are_binary_and_use_both_values():
    t = stripes_and_checks(10, 24, 24, np.random.default_rng(0))
    assert t.shape == (10, 24, 24, 1) and set(np.unique(t)) == {0.0, 1.0}
    assert (t.mean(axis=(1, 2, 3)) > 0.1).all() and (t.mean(axis=(1, 2, 3)) < 0.9).all()


def _landscape() -> np.ndarray:
    """A 6×8 photo whose every pixel is unique, so where each one went can be checked."""
    return np.arange(6 * 8 * 3, dtype=np.uint8).reshape(6, 8, 3)


def test_upright_framing_keeps_the_whole_photo_and_repeats_its_edges():
    photo = _landscape()
    framed = upright_framing(photo)
    assert framed.shape == (11, 8, 3)  # 8 wide, so 3:4 upright is 10.67 ≈ 11 high
    top = (11 - 6) // 2
    assert np.array_equal(framed[top : top + 6], photo)
    assert (framed[:top] == photo[0]).all() and (framed[top + 6 :] == photo[-1]).all()
    narrow = upright_framing(photo[:, :3])  # 6 high, 3 wide: padded at the sides to 4.5 ≈ 4 or 5
    assert narrow.shape[0] == 6 and narrow.shape[1] in (4, 5)
    assert (narrow[:, 0] == photo[:, 0]).all() and (narrow[:, -1] == photo[:, 2]).all()


def test_upright_crop_is_the_central_upright_part():
    photo = _landscape()
    crop = upright_crop(photo)
    assert crop.shape[0] == 6 and crop.shape[1] in (4, 5)
    left = (8 - crop.shape[1]) // 2
    assert np.array_equal(crop, photo[:, left : left + crop.shape[1]])
