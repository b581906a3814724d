"""The backdrop shifts that convert scores the validation photos under."""

import numpy as np
import pytest

from convert.shift import patterned_backdrops, recoloured_backdrops, stripes_and_checks


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
