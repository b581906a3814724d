import numpy as np
from sklearn.utils.class_weight import compute_class_weight

from train.data import balanced_class_weights


def test_balanced_weights_match_scikit_learn():
    y = np.array([0] * 50 + [1] * 20 + [2] * 7 + [3] * 100 + [4] * 3)
    expected = compute_class_weight("balanced", classes=np.arange(5), y=y)
    got = balanced_class_weights(y, 5)
    assert np.allclose([got[i] for i in range(5)], expected)
    assert got[4] > got[0] > got[3]  # the rarest class weighs most
