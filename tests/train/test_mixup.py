"""MixUp blends photos, targets and loss weights by one weight per photo, own photo the larger."""

import numpy as np
import tensorflow as tf

from train.data import make_dataset
from train.mixup import mix_weights, mixup
from train.presets import Augment


def test_mix_weights_lie_between_a_half_and_one_and_follow_alpha():
    tf.random.set_seed(0)
    low = mix_weights(4000, 0.2).numpy()
    high = mix_weights(4000, 2.0).numpy()
    assert low.min() >= 0.5 and low.max() <= 1 and high.min() >= 0.5 and high.max() <= 1
    # a small alpha keeps most photos nearly whole; a large one blends them towards halves
    assert np.median(low) > 0.9 and np.median(high) < 0.8


def test_each_photo_is_blended_with_one_other_by_the_same_weight_everywhere():
    n = 6
    colours = np.repeat(np.arange(n, dtype=np.float32) * 40, 48).reshape(n, 4, 4, 3)
    targets = np.eye(n, dtype=np.float32)  # photo i is the only photo of class i
    weights = np.arange(1, n + 1, dtype=np.float32)
    tf.random.set_seed(3)
    x, y, w = (t.numpy() for t in mixup(0.4)(tf.constant(colours), tf.constant(targets), weights))
    assert np.allclose(y.sum(axis=1), 1)
    blended = 0
    for i in range(n):
        lam = y[i, i]
        assert y[i].argmax() == i and 0.5 <= lam <= 1
        others = [j for j in range(n) if j != i and y[i, j] > 0]
        j = others[0] if others else i
        assert len(others) <= 1 and np.isclose(y[i, j], 1 - lam if others else 1)
        assert np.allclose(x[i], lam * colours[i] + (1 - lam) * colours[j], atol=1e-3)
        assert np.isclose(w[i], lam * weights[i] + (1 - lam) * weights[j])
        blended += bool(others) and lam < 0.999
    assert blended >= 3


def _targets(augment: Augment) -> np.ndarray:
    pixels = np.full((16, 8, 8, 3), 200, np.uint8)
    labels = np.arange(16) % 4
    ds = make_dataset(pixels, labels, 4, 8, augment, seed=1, weights=np.ones(16))
    return np.concatenate([y.numpy() for _, y, _ in ds])


def test_the_training_pipeline_mixes_only_when_asked():
    plain, mixed = _targets(Augment()), _targets(Augment(mixup=0.4))
    assert set(np.unique(plain)) == {0.0, 1.0}
    soft = (mixed.max(axis=1) < 1) & (mixed.max(axis=1) >= 0.5)
    assert soft.sum() >= 4 and np.allclose(mixed.sum(axis=1), 1)
