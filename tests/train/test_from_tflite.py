"""`--init-from MODEL.tflite`: training goes on from a shipped int8 model's weights."""

import json
import shutil

import keras
import numpy as np
import pytest

from tests.conftest import ALIKE, CLASSES
from tests.helpers import assert_user_error, run_module
from train.dataset import scan
from train.errors import UserError
from train.from_tflite import load_tflite, read_tflite_layers
from train.model import build_model

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pixels(photos):
    return scan(photos, list(CLASSES), 64, 64, "stretch").pixels.astype(np.float32)


def _features(model, pixels):
    return keras.Model(model.input, model.get_layer("gap").output).predict(pixels, verbose=0)


def test_rebuilt_model_holds_the_weights_of_the_run(converted, tiny_run, shared_weights, pixels):
    """The run ended with its kernels on the int8 grid, so the base comes back nearly as it was
    (the converter still rounds the biases); the head's dense weights come back as the converter
    rounded them, head_bn folded in."""
    model, _ = build_model(len(CLASSES), 64, 1.0, str(shared_weights))
    load_tflite(model, converted[0], list(CLASSES))
    trained = keras.models.load_model(tiny_run / "model.keras")
    rebuilt, original = _features(model, pixels), _features(trained, pixels)
    gap = np.abs(rebuilt - original) / np.abs(original).max()
    assert gap.max() < 0.02 and gap.mean() < 1e-3  # measured: 0.005 and 0.00008
    bn = trained.get_layer("head_bn")
    gamma, beta, mean, var = bn.get_weights()
    factor = gamma / np.sqrt(var + bn.epsilon)
    kernel, bias = trained.get_layer("head_dense").get_weights()
    folded = (kernel * factor[:, None], bias + (beta - mean * factor) @ kernel)
    for (want, want_bias), layer in (
        (folded, model.get_layer("head_dense")),
        (trained.get_layer("probs").get_weights(), model.get_layer("probs")),
    ):
        got, got_bias = layer.get_weights()
        half_step = np.abs(want).max(axis=0) / 127 / 2  # per-channel symmetric int8
        assert np.all(np.abs(got - want) <= half_step * 1.001)
        assert np.allclose(got_bias, want_bias, atol=1e-3)
    head_bn = model.get_layer("head_bn").get_weights()
    assert np.allclose(head_bn[0], 1) and np.allclose(head_bn[1], 0)


def test_head_batchnorm_stays_the_identity_in_training(converted, shared_weights, pixels):
    """Its statistics would otherwise be learnt afresh on top of the folded weights, and the next
    conversion would fold them in again (on v11 that flipped half the int8 answers)."""
    model, _ = build_model(len(CLASSES), 64, 1.0, str(shared_weights))
    load_tflite(model, converted[0], list(CLASSES))
    model.compile("adam", "categorical_crossentropy")
    targets = np.eye(len(CLASSES))[np.arange(16) % len(CLASSES)]
    model.fit(pixels[:16], targets, epochs=2, batch_size=8, verbose=0)
    _, _, mean, var = model.get_layer("head_bn").get_weights()
    assert np.allclose(mean, 0) and np.allclose(var, 1 - model.get_layer("head_bn").epsilon)


def test_a_float_tflite_gives_back_the_float_model(converted, tiny_run, shared_weights, pixels):
    model, _ = build_model(len(CLASSES), 64, 1.0, str(shared_weights))
    load_tflite(model, converted[0].with_name("tiny_fp32.tflite"), list(CLASSES))
    trained = keras.models.load_model(tiny_run / "model.keras")
    rebuilt, original = model.predict(pixels, verbose=0), trained.predict(pixels, verbose=0)
    assert np.allclose(rebuilt, original, atol=1e-4)


def test_layers_come_out_in_keras_layout(converted):
    layers = read_tflite_layers(converted[0])
    assert [t.op for t in layers[:3]] == ["CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D"]
    assert layers[0].kernel.shape == (3, 3, 3, 32) and layers[0].bias.shape == (32,)
    assert layers[1].kernel.shape == (3, 3, 32, 1)
    assert layers[-1].op == "FULLY_CONNECTED" and layers[-1].kernel.shape == (256, len(CLASSES))


def test_labels_must_match_the_sidecar(converted, shared_weights):
    model, _ = build_model(len(CLASSES), 64, 1.0, str(shared_weights))
    shuffled = [CLASSES[1], CLASSES[0], *CLASSES[2:]]
    with pytest.raises(UserError, match="trained on classes cardboard,metal"):
        load_tflite(model, converted[0], shuffled)


def test_cli_errors(converted, photos, shared_weights, tmp_path):
    def train(*extra):
        options = ("--weights", shared_weights, "--image-size", "64", *ALIKE, "--epochs1", "0")
        return run_module("train", "--data", photos, "--out", tmp_path / "r", *options, *extra)

    bare = tmp_path / "bare.tflite"  # no sidecar: only the shapes can tell
    shutil.copy(converted[0], bare)
    proc = train("--init-from", bare, "--classes", "metal,paper,trash")
    assert_user_error(proc, "--init-from", "bare.tflite", "does not fit", "5 outputs", "--classes")
    proc = train("--init-from", converted[0], "--classes", "metal,paper,trash")
    assert_user_error(proc, "--init-from", "trained on classes", "metal,paper,trash")
    bogus = tmp_path / "bogus.tflite"
    bogus.write_bytes(b"not a flatbuffer")
    proc = train("--init-from", bogus)
    assert_user_error(proc, "--init-from", "bogus.tflite", "not a TFLite model")


def test_a_run_goes_on_from_a_tflite(converted, photos, shared_weights, tmp_path):
    """An evaluate-only run from the float32 file scores what the run it came from scored."""
    out = tmp_path / "again"
    fp32 = converted[0].with_name("tiny_fp32.tflite")
    options = ["--weights", str(shared_weights), "--image-size", "64", *ALIKE]
    options += ["--epochs1", "0", "--epochs2", "0", "--epochs3", "0"]
    proc = run_module("train", "--data", photos, "--out", out, "--init-from", fp32, *options)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rebuilt = json.loads((out / "metrics.json").read_text())["val"]["accuracy"]
    sidecar = json.loads(fp32.with_suffix(".json").read_text())
    assert json.loads((out / "config.json").read_text())["init_from"].endswith(".tflite")
    assert abs(rebuilt - sidecar["metrics"]["validation"]["float"]["accuracy"]) <= 0.02  # 1 of 60
