"""End-to-end training runs on the synthetic photo set."""

import json

import numpy as np
import pytest

from tests.conftest import ALIKE
from train.__main__ import main
from train.split import read_manifest

RUN_FILES = (
    "model.keras",
    "split.csv",
    "config.json",
    "metrics.json",
    "report.txt",
    "confusion_matrix.png",
    "curves.png",
    "history_stage1.csv",
)


@pytest.mark.slow
def test_pretrained_run_learns_and_writes_everything(tiny_run):
    for name in RUN_FILES:
        assert (tiny_run / name).is_file(), name
    metrics = json.loads((tiny_run / "metrics.json").read_text())
    assert metrics["test"]["accuracy"] > 0.6  # chance is 0.2 on five balanced classes
    assert set(metrics["test"]["per_class"]) == {"cardboard", "metal", "paper", "plastic", "trash"}
    assert all(
        st["seconds_per_epoch"] > 0 and st["images_per_second"] > 0 for st in metrics["stages"]
    )
    rows = read_manifest(tiny_run / "split.csv")
    test_paths = {r["path"] for r in rows if r["split"] == "test"}
    train_paths = {r["path"] for r in rows if r["split"] == "train"}
    assert test_paths and not test_paths & train_paths
    assert (tiny_run / "confusion_matrix.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_model_takes_raw_pixels(tiny_run):
    import keras

    model = keras.models.load_model(tiny_run / "model.keras")
    assert model.input_shape == (None, 64, 64, 3)
    white = np.full((1, 64, 64, 3), 255.0, np.float32)
    probs = model.predict(white, verbose=0)
    assert probs.shape == (1, 5) and np.isclose(probs.sum(), 1, atol=1e-4)


@pytest.mark.slow
def test_from_scratch_run_with_no_weights(photos, tmp_path):
    out = tmp_path / "scratch"
    options = ["--weights", "none", "--image-size", "32", "--alpha", "0.35"]
    options += ["--epochs1", "1", "--epochs2", "1", "--epochs3", "1"]
    rc = main(["--data", str(photos), "--out", str(out), *options, "--classes", "metal,trash"])
    assert rc == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["labels"] == ["metal", "trash"]
    assert [st["stage"] for st in metrics["stages"]] == [1, 2, 3]
    assert (out / "curves.png").is_file()
    assert (
        main(["--data", str(photos), "--out", str(out), "--weights", "none"]) == 2
    )  # no overwrite


@pytest.mark.slow
def test_init_from_a_trained_model_starts_where_it_ended(
    photos, tmp_path, tiny_run, shared_weights
):
    out = tmp_path / "again"
    options = ["--weights", str(shared_weights), "--image-size", "64", *ALIKE]
    options += ["--epochs1", "0", "--epochs2", "0", "--epochs3", "0"]  # evaluate only
    rc = main(
        [
            "--data",
            str(photos),
            "--out",
            str(out),
            "--init-from",
            str(tiny_run / "model.keras"),
            *options,
        ]
    )
    assert rc == 0
    before = json.loads((tiny_run / "metrics.json").read_text())
    after = json.loads((out / "metrics.json").read_text())
    assert after["val"] == before["val"] and after["test"] == before["test"]
    assert json.loads((out / "config.json").read_text())["init_from"].endswith("model.keras")


@pytest.mark.slow
def test_init_from_several_models_starts_from_their_mean(
    photos, tmp_path, tiny_run, shared_weights
):
    """A soup of a model with itself is that model; the config lists what it was made of."""
    out = tmp_path / "soup"
    model = str(tiny_run / "model.keras")
    options = ["--weights", str(shared_weights), "--image-size", "64", *ALIKE]
    options += ["--epochs1", "0", "--epochs2", "0", "--epochs3", "0"]  # evaluate only
    rc = main(["--data", str(photos), "--out", str(out), "--init-from", model, model, *options])
    assert rc == 0
    before = json.loads((tiny_run / "metrics.json").read_text())
    after = json.loads((out / "metrics.json").read_text())
    assert after["val"] == before["val"] and after["test"] == before["test"]
    assert json.loads((out / "config.json").read_text())["init_from"] == [model, model]


@pytest.mark.slow
def test_init_from_a_stage_checkpoint_carries_on_from_its_weights(
    photos, tmp_path, tiny_run, shared_weights
):
    import keras

    from train.model import build_model

    checkpoint = tiny_run / "checkpoints" / "stage2.best.weights.h5"
    out = tmp_path / "carried"
    options = ["--weights", str(shared_weights), "--image-size", "64", *ALIKE, "--init-from"]
    options += [str(checkpoint), "--epochs1", "0", "--epochs2", "0", "--epochs3", "0"]
    assert main(["--data", str(photos), "--out", str(out), *options]) == 0
    expected, _ = build_model(5, 64, 1.0, str(shared_weights))
    expected.load_weights(checkpoint)
    carried = keras.models.load_model(out / "model.keras")
    assert len(carried.weights) == len(expected.weights)
    for got, want in zip(carried.weights, expected.weights, strict=True):
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    final = keras.models.load_model(tiny_run / "model.keras")  # stage 3 came after the checkpoint
    assert any(
        not np.array_equal(a.numpy(), b.numpy())
        for a, b in zip(final.weights, carried.weights, strict=True)
    )


@pytest.mark.slow
def test_split_from_a_manifest_keeps_every_listed_photo_in_its_split(
    photos, tmp_path, tiny_run, shared_weights
):
    from train.dataset import Sample
    from train.split import write_manifest

    rows = read_manifest(tiny_run / "split.csv")
    rotate = {"train": "test", "test": "val", "val": "train"}  # a split no seed would draw
    wanted = {r["path"]: rotate[r["split"]] for r in rows}
    pins = tmp_path / "pins.csv"
    write_manifest(pins, [Sample(r["path"], r["label"], r["sha256"]) for r in rows], wanted)
    out = tmp_path / "pinned"
    options = ["--weights", str(shared_weights), "--image-size", "64", *ALIKE]
    options += ["--split-from", str(pins)]
    options += ["--init-from", str(tiny_run / "model.keras")]
    options += ["--epochs1", "0", "--epochs2", "0", "--epochs3", "0"]
    assert main(["--data", str(photos), "--out", str(out), *options]) == 0
    assert {r["path"]: r["split"] for r in read_manifest(out / "split.csv")} == wanted
    assert json.loads((out / "config.json").read_text())["split_from"] == str(pins)


@pytest.mark.slow
def test_averaged_stage_ends_on_the_mean_and_says_so(photos, tmp_path, tiny_run, shared_weights):
    out = tmp_path / "averaged"
    options = ["--weights", str(shared_weights), "--image-size", "64", *ALIKE, "--batch-size", "8"]
    options += ["--epochs1", "0", "--epochs2", "2", "--epochs3", "0", "--unfreeze", "30"]
    options += ["--init-from", str(tiny_run / "model.keras"), "--lr2", "1e-5", "--average", "2"]
    assert main(["--data", str(photos), "--out", str(out), *options]) == 0
    (stage,) = json.loads((out / "metrics.json").read_text())["stages"]
    assert stage["averaged_epochs"] == 2 and stage["epochs_run"] == 2
    assert "2 epochs, the mean of the last 2" in (out / "report.txt").read_text()
    assert json.loads((out / "config.json").read_text())["recipe"]["stage2"]["lr"] == 1e-5
