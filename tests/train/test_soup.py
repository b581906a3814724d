"""`--init-from A B ...`: a model soup, the mean of several trained models' weights."""

import keras
import numpy as np
import pytest

from tests.conftest import CLASSES
from train.errors import UserError
from train.model import build_model
from train.soup import batchnorm_folded, load_soup


def _model(seed: int) -> keras.Model:
    keras.utils.set_random_seed(seed)
    return build_model(len(CLASSES), 32, 0.35, None)[0]


@pytest.fixture
def two_models(tmp_path):
    paths = []
    for seed in (1, 2):
        path = tmp_path / f"m{seed}.keras"
        _model(seed).save(path)
        paths.append(path)
    return paths


def test_the_soup_holds_the_mean_of_the_ingredients_weights(two_models):
    a, b = (keras.models.load_model(p).get_weights() for p in two_models)
    assert any(not np.allclose(x, y) for x, y in zip(a, b, strict=True))
    soup = _model(3)
    load_soup(soup, two_models, list(CLASSES))
    for got, x, y in zip(soup.get_weights(), a, b, strict=True):
        assert np.allclose(got, (x + y) / 2, atol=1e-6)


def test_a_soup_of_one_model_is_that_model(two_models):
    soup = _model(3)
    load_soup(soup, two_models[:1], list(CLASSES))
    want = keras.models.load_model(two_models[0]).get_weights()
    assert all(np.array_equal(g, w) for g, w in zip(soup.get_weights(), want, strict=True))


def test_folded_and_unfolded_batchnorm_do_not_mix(two_models, tmp_path):
    """A model trained with real BatchNorm statistics is not averaged with one whose statistics
    were folded into its kernels (rebuilt from a .tflite): the error names both."""
    unfolded = keras.models.load_model(two_models[1])
    assert batchnorm_folded(unfolded)  # untrained: every BatchNorm is still the identity
    bn = next(
        layer
        for layer in unfolded._flatten_layers()
        if isinstance(layer, keras.layers.BatchNormalization)
    )
    bn.moving_mean.assign(np.full(bn.moving_mean.shape, 0.5, np.float32))
    assert not batchnorm_folded(unfolded)
    unfolded.save(tmp_path / "unfolded.keras")
    with pytest.raises(
        UserError, match="m1.keras has its BatchNorm folded .*/unfolded.keras has not"
    ):
        load_soup(_model(3), [two_models[0], tmp_path / "unfolded.keras"], list(CLASSES))


def test_an_ingredient_that_does_not_fit_is_named(two_models, tmp_path):
    keras.utils.set_random_seed(4)
    other = build_model(len(CLASSES) + 1, 32, 0.35, None)[0]
    other.save(tmp_path / "six.keras")
    with pytest.raises(UserError, match="six.keras does not fit this run"):
        load_soup(_model(3), [two_models[0], tmp_path / "six.keras"], list(CLASSES))
