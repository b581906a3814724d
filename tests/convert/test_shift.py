"""The backdrop shift that convert scores the validation photos under."""

import numpy as np

from convert.shift import recoloured_backdrops


def test_recoloured_backdrops_are_repeatable_and_keep_the_object():
    images = np.full((6, 16, 16, 3), 235, np.uint8)  # white backdrop...
    images[:, 4:12, 4:12] = (150, 95, 45)  # ...with a cardboard square on it
    once, again = recoloured_backdrops(images), recoloured_backdrops(images)
    assert once.dtype == np.uint8 and np.array_equal(once, again)
    assert np.array_equal(once[:, 4:12, 4:12], images[:, 4:12, 4:12])
    assert (np.abs(once[:, 0, 0].astype(int) - 235).max(axis=1) > 20).all()
