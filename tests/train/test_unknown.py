"""Photos of a class the bin has no compartment for (`--unknown`) train towards "unsure"."""

import json

import numpy as np
import pytest

from tests.helpers import assert_user_error, run_module
from train.data import balanced_class_weights, make_dataset, photo_weights


def test_unknown_photos_get_a_uniform_target_and_their_own_weight():
    labels = np.array([0, 2, 5, 7])  # 5 and 7: two unknown classes beside five known
    weights = photo_weights(labels, {0: 2.0, 2: 0.5}, unknown_weight=0.25)
    pixels = np.zeros((4, 8, 8, 3), np.uint8)
    ((x, y, w),) = make_dataset(pixels, labels, 5, batch_size=4, weights=weights)
    assert x.shape == (4, 8, 8, 3)
    assert np.array_equal(y[0], [1, 0, 0, 0, 0]) and np.array_equal(y[1], [0, 0, 1, 0, 0])
    assert np.allclose(y[2:], 0.2)
    assert np.allclose(w, [2.0, 0.5, 0.25, 0.25])


def test_class_weights_count_only_known_photos():
    y = np.array([0] * 30 + [1] * 10 + [2] * 100)  # 2 is unknown to a two-class model
    assert balanced_class_weights(y, 2) == pytest.approx({0: 40 / 60, 1: 40 / 20})


def test_training_accuracy_leaves_the_unknown_photos_out():
    from train.fit import KnownAccuracy

    targets = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1 / 3, 1 / 3, 1 / 3]], np.float32)
    answers = np.array([[0.8, 0.1, 0.1], [0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.1, 0.1, 0.8]])
    metric = KnownAccuracy()
    metric.update_state(targets, answers.astype(np.float32))
    assert float(metric.result()) == pytest.approx(2 / 3)  # 2 of 3 known hit; the unknown ignored
    keras_accuracy = float(np.mean(np.argmax(targets[:3], 1) == np.argmax(answers[:3], 1)))
    metric.reset_state()
    metric.update_state(targets[:3], answers[:3].astype(np.float32))
    assert float(metric.result()) == pytest.approx(keras_accuracy)
    assert metric.name == "accuracy"


def train(*args):
    return run_module("train", *map(str, args), timeout=300)


def test_unknown_class_missing_or_one_of_the_classes(photos, tmp_path):
    common = ("--data", photos, "--out", tmp_path / "r", "--weights", "none")
    proc = train(*common, "--unknown", "glass")
    assert_user_error(proc, str(photos / "glass"), "not found")
    proc = train(*common, "--unknown", "trash")
    assert_user_error(proc, "--unknown", "trash", "one of the classes")


@pytest.mark.slow
def test_unknown_class_runs_through_train_convert_score_and_samples(photos, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for label in ("metal", "trash", "glass"):  # glass: a copy of paper's photos, renamed
        (data / label).symlink_to(photos / ("paper" if label == "glass" else label))
    run = tmp_path / "run"
    options = ["--weights", "none", "--image-size", "32", "--alpha", "0.35", "--epochs1", "1"]
    options += ["--epochs2", "1", "--epochs3", "0", "--classes", "metal,trash"]
    options += ["--unknown", "glass"]
    proc = train("--data", data, "--out", run, *options)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads((run / "config.json").read_text())["unknown"] == ["glass"]
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["labels"] == ["metal", "trash"]
    assert metrics["counts"]["test"]["glass"] == 12 and metrics["test"]["n"] == 24
    assert metrics["unknown"]["test"]["n"] == 12
    assert sum(metrics["unknown"]["test"]["predicted"].values()) == 12

    model = tmp_path / "m" / "tiny_int8.tflite"
    args = ("--variants", "int8", "--representative", "10", "--max-drop", "100")
    proc = run_module("convert", run, "--out", model, *args)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "val, unknown to a recyclable @0.6" in proc.stdout
    sidecar = json.loads(model.with_suffix(".json").read_text())
    assert sidecar["labels"] == ["metal", "trash"] and sidecar["source"]["unknown"] == ["glass"]
    unknown = sidecar["metrics"]["unknown"]
    assert unknown["test"]["n"] == 12
    assert unknown["test"]["to_fallback"] + unknown["test"]["to_recyclable"] == pytest.approx(1)

    proc = run_module("convert.score", model, "--split", "test")
    assert proc.returncode == 0, proc.stderr[-2000:]
    (row,) = [line for line in proc.stdout.splitlines() if line.startswith("12 unknown")]
    assert float(row.split()[-3]) == round(unknown["test"]["to_recyclable"], 4)

    samples = tmp_path / "samples"
    proc = run_module(
        "convert.samples", model.with_suffix(".split.csv"), "--data", data, "--out", samples
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert sorted(p.name for p in samples.iterdir() if p.is_dir()) == ["metal", "trash"]


@pytest.mark.parametrize("bad", ["-1", "11", "heavy"])
def test_bad_unknown_weight(photos, tmp_path, bad):
    proc = train("--data", photos, "--out", tmp_path / "r", "--unknown-weight", bad)
    assert proc.returncode == 2 and "--unknown-weight" in proc.stderr
    assert "weight from 0 to 10" in proc.stderr and "Traceback" not in proc.stderr
