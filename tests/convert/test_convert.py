"""The convert stage on a tiny trained run: int8 model, sidecar contract, verification guard."""

import json
import shutil

import numpy as np
import pytest

from tests.helpers import assert_user_error, run_module

SIDECAR_KEYS = {"labels", "input", "output", "quantization", "source", "metrics", "sha256"}


def run_cli(*args):
    return run_module("convert", *args)


@pytest.mark.slow
def test_int8_model_takes_raw_uint8_pixels(converted):
    from ai_edge_litert.interpreter import Interpreter

    out, _ = converted
    interp = Interpreter(model_path=str(out))
    (inp,), (outp,) = interp.get_input_details(), interp.get_output_details()
    assert inp["dtype"] == np.uint8 and tuple(inp["shape"]) == (1, 64, 64, 3)
    assert inp["quantization"] == (1.0, 0)  # raw pixels: the model's scaling is folded in
    assert outp["dtype"] == np.uint8 and outp["quantization"][0] > 0


@pytest.mark.slow
def test_sidecar_contract_and_manifest_copy(converted, tiny_run):
    out, _ = converted
    side = json.loads(out.with_suffix(".json").read_text())
    assert set(side) >= SIDECAR_KEYS
    assert side["labels"] == ["cardboard", "metal", "paper", "plastic", "trash"]
    assert side["input"] == {
        "height": 64,
        "width": 64,
        "dtype": "uint8",
        "color": "RGB",
        "resize": "stretch",
    }
    assert side["quantization"] == "int8"
    assert side["source"]["preset"] == "default" and side["source"]["manifest_sha256"]
    m = side["metrics"]
    for key in ("float", "tflite", "agreement", "size_bytes", "mean_invoke_ms", "routing"):
        assert key in m
    val = m["validation"]  # for choosing between runs without looking at the test split
    assert val["n"] > 0 and set(val["tflite"]["per_class_recall"]) == set(side["labels"])
    assert 0 <= val["agreement"] <= 1 and val["float"]["accuracy"] > 0.2
    for shift in ("recoloured_backdrop", "patterned_backdrop", "upright_framing", "upright_crop"):
        assert set(val[shift]["per_class_recall"]) == set(side["labels"])
    assert m["routing"]["threshold"] == 0.6  # the bin's default confidence threshold
    shares = ("own_compartment", "recyclable_to_fallback", "wrong_recyclable")
    assert abs(sum(m["routing"][k] for k in shares) - 1) < 1e-9
    assert set(m["tflite"]["per_class_recall"]) == set(side["labels"])
    lo, hi = m["tflite"]["accuracy_ci95"]
    assert 0 <= lo <= m["tflite"]["accuracy"] <= hi <= 1
    for lab, (lo, hi) in m["tflite"]["per_class_recall_ci95"].items():
        assert lo <= m["tflite"]["per_class_recall"][lab] <= hi
    assert m["size_bytes"] == out.stat().st_size
    import hashlib

    assert side["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert out.with_suffix(".split.csv").read_bytes() == (tiny_run / "split.csv").read_bytes()
    report = out.with_suffix(".report")
    for name in (
        "confusion_matrix.png",
        "routing.png",
        "training_curves.png",
        "classification_report.txt",
    ):
        assert (report / name).is_file(), name
    assert "trash" in (report / "classification_report.txt").read_text()
    fp32 = json.loads(out.with_name("tiny_fp32.json").read_text())
    assert fp32["quantization"] == "float32" and fp32["input"]["dtype"] == "float32"


@pytest.mark.slow
def test_tflite_agrees_with_keras(converted):
    out, stdout = converted
    m = json.loads(out.with_suffix(".json").read_text())["metrics"]
    assert m["agreement"] >= 0.6  # the tiny model is barely trained; most predictions must match
    fp32 = json.loads(out.with_name("tiny_fp32.json").read_text())["metrics"]
    assert fp32["agreement"] >= 0.95
    assert "keras float" in stdout and "agreement" in stdout and "wrong recyclable @0.6" in stdout
    assert "val accuracy" in stdout and "val, recoloured backdrops" in stdout
    assert "val, patterned backdrops" in stdout and "val, upright crop" in stdout
    assert "accuracy 95% CI" in stdout


@pytest.mark.slow
def test_max_drop_guard_trips_and_keeps_the_old_model(converted, tiny_run, tmp_path):
    good, _ = converted
    out = tmp_path / "m_int8.tflite"
    shutil.copy(good, out)
    before = out.read_bytes()
    proc = run_cli(str(tiny_run), "--out", str(out), "--representative", "5", "--max-drop", "-100")
    assert proc.returncode == 1
    assert "FAILED" in proc.stdout
    assert out.read_bytes() == before  # a rejected conversion never replaces a shipped model
    assert (tmp_path / "m_int8.rejected.tflite").is_file()


def test_run_without_model(tmp_path):
    assert_user_error(
        run_cli(str(tmp_path), "--out", str(tmp_path / "m.tflite")),
        "no trained model",
        str(tmp_path),
    )


def test_unknown_variant_and_unwritable_output(tmp_path):
    assert_user_error(
        run_cli(str(tmp_path), "--variants", "int8,int4"), "int4", "valid: int8, fp16"
    )
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert_user_error(
        run_cli(str(tmp_path), "--out", str(blocker / "m.tflite")),
        "cannot write --out",
        str(blocker / "m.tflite"),
    )


@pytest.mark.slow
def test_moved_data_and_mismatched_labels(tiny_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    proc = run_cli(str(run), "--out", str(tmp_path / "m.tflite"), "--data", str(tmp_path / "gone"))
    assert_user_error(proc, "no longer holds", str(tmp_path / "gone"))
    config = json.loads((run / "config.json").read_text())
    config["labels"] = config["labels"] + ["glass"]
    (run / "config.json").write_text(json.dumps(config))
    proc = run_cli(str(run), "--out", str(tmp_path / "m.tflite"))
    assert_user_error(proc, "5 outputs", "6 labels")


@pytest.mark.slow
def test_measure_rewrites_a_models_sidecar_on_its_rebuilt_run(
    converted, tiny_run, photos, shared_weights, tmp_path
):
    """A model re-measured on the run rebuilt from it keeps its bytes; its sidecar and manifest
    follow that run (here the same split, so the same figures)."""
    from tests.conftest import ALIKE
    from train.split import read_manifest

    model = tmp_path / "m_int8.tflite"
    shutil.copy(converted[0], model)
    rebuilt = tmp_path / "rebuilt"
    options = ["--weights", shared_weights, "--image-size", "64", *ALIKE, "--init-from", model]
    options += ["--epochs1", "0", "--epochs2", "0", "--epochs3", "0"]
    options += ["--split-from", tiny_run / "split.csv"]
    proc = run_module("train", "--data", photos, "--out", rebuilt, *options)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = tmp_path / "again_int8.tflite"
    proc = run_cli(rebuilt, "--out", out, "--measure", model, "--max-drop", "100")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert out.read_bytes() == model.read_bytes()
    side, before = (json.loads(p.with_suffix(".json").read_text()) for p in (out, converted[0]))
    assert side["sha256"] == before["sha256"] and side["source"]["run"] == str(rebuilt)
    assert side["metrics"]["tflite"] == before["metrics"]["tflite"]
    tests = [r for r in read_manifest(out.with_suffix(".split.csv")) if r["split"] == "test"]
    assert side["metrics"]["n_test"] == len(tests)
    report = out.with_suffix(".report")  # the rebuild's empty training record is not copied
    assert (report / "confusion_matrix.png").is_file()
    assert not (report / "training_report.txt").exists()
    # a run that trained, or was rebuilt from another file, is not the model's own
    proc = run_cli(tiny_run, "--out", out, "--measure", model)
    assert_user_error(proc, "--measure", "m_int8.tflite", "not rebuilt from it (--init-from none)")
    proc = run_cli(rebuilt, "--out", out, "--measure", model, "--variants", "int8,fp16")
    assert_user_error(proc, "--measure", "drop --variants")
    # nor is a soup, even of that file alone
    soup = tmp_path / "soup"
    shutil.copytree(rebuilt, soup)
    config = json.loads((soup / "config.json").read_text())
    config["init_from"] = [str(model), str(model)]
    (soup / "config.json").write_text(json.dumps(config))
    proc = run_cli(soup, "--out", out, "--measure", model)
    assert_user_error(proc, "--measure", f"not rebuilt from it (--init-from {model} {model})")
