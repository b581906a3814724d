"""Every user mistake: one line on stderr naming the culprit, exit code 2, no traceback."""

import numpy as np
import pytest
from PIL import Image

from tests.conftest import ALIKE
from tests.helpers import SAMPLES, assert_user_error, run_module


def train(data, out, *extra):
    return run_module("train", "--data", data, "--out", out, *extra, timeout=300)


def test_missing_data_folder(tmp_path):
    proc = train(tmp_path / "nope", tmp_path / "r", "--weights", "none")
    assert_user_error(proc, "data folder not found", str(tmp_path / "nope"))


def test_folder_without_class_folders(tmp_path):
    (tmp_path / "loose.jpg").write_bytes(b"x")
    proc = train(tmp_path, tmp_path / "r", "--weights", "none")
    assert_user_error(proc, "no class folders", str(tmp_path))


def test_requested_class_missing_or_empty(tmp_path):
    data = tmp_path / "data"
    (data / "a").mkdir(parents=True)
    (data / "b").mkdir()
    Image.new("RGB", (8, 8)).save(data / "a" / "x.jpg")
    (data / "b" / "broken.jpg").write_bytes(b"\xff\xd8 broken")
    proc = train(data, tmp_path / "r", "--weights", "none", "--classes", "a,glass")
    assert_user_error(proc, str(data / "glass"), "not found", "a, b")
    proc = train(data, tmp_path / "r", "--weights", "none", "--classes", "a,b")
    assert_user_error(proc, str(data / "b"), "no usable images")


def test_weights_file_missing_or_not_fitting(photos, tmp_path, shared_weights):
    proc = train(photos, tmp_path / "r", "--weights", tmp_path / "missing.h5")
    assert_user_error(proc, "--weights file not found", "missing.h5")
    bogus = tmp_path / "bogus.h5"
    bogus.write_bytes(b"not an hdf5 file")
    proc = train(photos, tmp_path / "r", "--weights", bogus, "--image-size", "32")
    assert_user_error(proc, "--weights", "bogus.h5", "does not fit")
    proc = train(
        photos, tmp_path / "r", "--weights", shared_weights, "--alpha", "0.5", "--image-size", "32"
    )
    assert_user_error(proc, "--weights", "does not fit", "alpha=0.5")


def test_init_from_missing_or_not_fitting(photos, tmp_path, tiny_run, shared_weights):
    common = ("--weights", shared_weights, *ALIKE, "--init-from")
    proc = train(photos, tmp_path / "r", *common, tmp_path / "nope.keras")
    assert_user_error(proc, "--init-from file not found", "nope.keras")
    proc = train(
        photos, tmp_path / "r", *common, tiny_run / "model.keras", "--classes", "metal,trash"
    )
    assert_user_error(proc, "--init-from", "does not fit", "5 classes", "--classes")
    bogus = tmp_path / "bogus.keras"
    bogus.write_bytes(b"not a zip")
    proc = train(photos, tmp_path / "r", *common, bogus, "--image-size", "64")
    assert_user_error(proc, "--init-from", "bogus.keras", "not a Keras model")
    checkpoint = tiny_run / "checkpoints" / "stage2.best.weights.h5"
    proc = train(photos, tmp_path / "r", *common, checkpoint, "--classes", "metal,trash")
    assert_user_error(proc, "--init-from", "stage2.best.weights.h5", "does not fit", "--classes")


def test_split_from_a_missing_manifest(photos, tmp_path, shared_weights):
    proc = train(
        photos, tmp_path / "r", "--weights", shared_weights, "--split-from", tmp_path / "no.csv"
    )
    assert_user_error(proc, "--split-from", "no.csv", "file not found")


@pytest.mark.parametrize("bad", ["70,15", "70,0,30", "a,b,c"])
def test_bad_split_option(photos, tmp_path, bad):
    proc = train(photos, tmp_path / "r", "--split", bad)
    assert proc.returncode == 2 and "--split" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("option", ["--backdrop", "--texture"])
@pytest.mark.parametrize("bad", ["1.5", "-0.1", "half"])
def test_bad_backdrop_probability(photos, tmp_path, option, bad):
    proc = train(photos, tmp_path / "r", option, bad)
    assert proc.returncode == 2 and option in proc.stderr and "Traceback" not in proc.stderr
    assert "probability from 0 to 1" in proc.stderr


@pytest.mark.parametrize(
    ("option", "bad", "expected"),
    [
        *(("--zoom-in", bad, "fraction from 0 to 0.9") for bad in ("0.95", "-0.1", "close")),
        *(("--mixup", bad, "alpha from 0 to 2") for bad in ("3", "-0.2", "some")),
        *(("--aspect", bad, "fraction from 0 to 0.9") for bad in ("1", "tall")),
    ],
)
def test_bad_zoom_aspect_or_mixup(photos, tmp_path, option, bad, expected):
    proc = train(photos, tmp_path / "r", option, bad)
    assert proc.returncode == 2 and option in proc.stderr and "Traceback" not in proc.stderr
    assert expected in proc.stderr


@pytest.mark.parametrize(
    ("option", "bad"), [("--lr1", "0"), ("--lr2", "0"), ("--lr2", "fast"), ("--average", "-2")]
)
def test_bad_rate_or_averaging_window(photos, tmp_path, option, bad):
    proc = train(photos, tmp_path / "r", option, bad)
    assert proc.returncode == 2 and option in proc.stderr and "positive" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_twins_setting_and_a_split_left_empty_by_near_copies(tmp_path, shared_weights):
    proc = train(tmp_path, tmp_path / "r", "--weights", "none", "--twins", "1.5")
    assert_user_error(proc, "--twins", "at most 1, or off", "'1.5'")
    # each class is six shots of one item, moved and relit a little: one group of near-copies
    # a class, which cannot be cut into train, validation and test
    data = tmp_path / "data"
    for label, name in (("metal", "metal166.jpg"), ("paper", "paper82.jpg")):
        (data / label).mkdir(parents=True)
        rgb = np.asarray(Image.open(SAMPLES / label / name).convert("RGB")).astype(np.float32)
        for i in range(6):
            shot = np.clip(np.roll(rgb, 4 * i, axis=1) * (1 + 0.02 * i), 0, 255).astype(np.uint8)
            Image.fromarray(shot).save(data / label / f"{i}.jpg")
    options = ("--weights", shared_weights, "--classes", "metal,paper", "--epochs1", "0")
    proc = train(data, tmp_path / "r", *options, "--epochs2", "0", "--epochs3", "0")
    assert_user_error(proc, "split is empty", "near-copies share a split", "--twins off")
