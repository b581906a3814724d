"""Classifier and preprocessing: sidecar contract, refusals, dequantized probabilities."""

import json
import shutil

import cv2
import numpy as np
import pytest

from device.errors import UserError
from device.model import Classifier
from device.preprocess import Preprocessor, Roi, center_crop_box
from tests.device.conftest import LABELS, colour_photo, write_sidecar


def test_classifier_reads_labels_and_size_from_the_sidecar_and_classifies(tiny_model):
    clf = Classifier(tiny_model, num_threads=1)
    assert clf.labels == LABELS and clf.input_size == (32, 32) and clf.resize == "stretch"
    pre = Preprocessor(clf.input_size)
    rng = np.random.default_rng(7)
    for label in LABELS:
        probs = clf.invoke(pre(colour_photo(label, rng)))
        assert probs.dtype == np.float32 and probs.shape == (5,)
        assert probs.sum() == pytest.approx(1.0, abs=0.03)  # dequantized softmax
        assert LABELS[int(probs.argmax())] == label


def test_input_buffer_is_reused_not_reallocated(tiny_model):
    clf = Classifier(tiny_model, num_threads=1)
    pre = Preprocessor(clf.input_size)
    first = pre(np.zeros((48, 64, 3), np.uint8))
    assert pre(np.full((120, 160, 3), 9, np.uint8)) is first and first.shape == (1, 32, 32, 3)


def copy_model(tiny_model, tmp_path):
    path = tmp_path / "m.tflite"
    shutil.copy(tiny_model, path)
    shutil.copy(tiny_model.with_suffix(".json"), path.with_suffix(".json"))
    return path


def test_model_whose_outputs_do_not_match_its_labels_is_refused(tiny_model, tmp_path):
    path = copy_model(tiny_model, tmp_path)
    write_sidecar(path, labels=LABELS[:4])
    with pytest.raises(UserError, match="5 outputs but 4 labels"):
        Classifier(path)


def test_model_whose_input_differs_from_the_sidecar_is_refused(tiny_model, tmp_path):
    path = copy_model(tiny_model, tmp_path)
    write_sidecar(path, size=(64, 64))
    with pytest.raises(UserError, match="input shape"):
        Classifier(path)


def test_missing_corrupt_or_mismatched_model_files_are_one_line_errors(tiny_model, tmp_path):
    with pytest.raises(UserError, match="model not found"):
        Classifier(tmp_path / "none.tflite")
    path = copy_model(tiny_model, tmp_path)
    path.with_suffix(".json").unlink()
    with pytest.raises(UserError, match="sidecar not found"):
        Classifier(path)
    path = copy_model(tiny_model, tmp_path)
    path.write_bytes(b"garbage" * 100)
    with pytest.raises(UserError, match="does not match its sidecar"):
        Classifier(path)
    sidecar = json.loads(path.with_suffix(".json").read_text())
    del sidecar["sha256"]
    path.with_suffix(".json").write_text(json.dumps(sidecar))
    with pytest.raises(UserError, match="cannot load model") as caught:
        Classifier(path)
    assert "\n" not in str(caught.value)


def test_stretch_resizes_the_roi_with_the_contract_call():
    frame = np.random.default_rng(0).integers(0, 255, (120, 160, 3), np.uint8)
    pre = Preprocessor((32, 48), "stretch", Roi(0.25, 0.5, 0.5, 0.5))
    expected = cv2.resize(frame[60:120, 40:120], (48, 32), interpolation=cv2.INTER_AREA)
    assert np.array_equal(pre(frame)[0], expected)


def test_center_crop_takes_the_largest_centred_box_of_the_model_aspect():
    assert center_crop_box(120, 160, 1.0) == (0, 120, 20, 140)
    assert center_crop_box(160, 120, 1.0) == (20, 140, 0, 120)
    frame = np.random.default_rng(0).integers(0, 255, (120, 160, 3), np.uint8)
    pre = Preprocessor((32, 32), "center_crop")
    expected = cv2.resize(frame[:, 20:140], (32, 32), interpolation=cv2.INTER_AREA)
    assert np.array_equal(pre(frame)[0], expected)
