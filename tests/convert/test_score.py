"""`python -m convert.score`: a converted model scored again from its own files."""

import json
import re
import shutil

import pytest

from tests.helpers import assert_user_error, run_module

COLUMNS = ("plain", "recoloured_backdrop", "patterned_backdrop")


def figures(stdout: str, row: str) -> list[float]:
    """One row of the printed table, by its name: plain, recoloured, patterned."""
    (line,) = [line for line in stdout.splitlines() if re.match(rf"{row}\s+\d\.\d{{4}}\s", line)]
    return [float(cell) for cell in line[len(row) :].split()]


@pytest.mark.slow
@pytest.mark.parametrize("split", ["val", "test"])
def test_scores_reproduce_what_convert_measured(converted, split):
    out, _ = converted
    proc = run_module("convert.score", out, "--split", split)
    assert proc.returncode == 0, proc.stderr[-2000:]
    metrics = json.loads(out.with_suffix(".json").read_text())["metrics"]
    if split == "val":
        val = metrics["validation"]
        expected = [val["tflite"]["accuracy"], *(val[key]["accuracy"] for key in COLUMNS[1:])]
    else:
        expected = [metrics["tflite"]["accuracy"]]
        wrong = figures(proc.stdout, "wrong recyclable @0.6")[0]
        assert wrong == round(metrics["routing"]["wrong_recyclable"], 4)
    assert figures(proc.stdout, "accuracy")[: len(expected)] == [round(a, 4) for a in expected]
    assert f"{split} split" in proc.stdout and "recall trash" in proc.stdout


def test_missing_model_is_one_line(tmp_path):
    proc = run_module("convert.score", tmp_path / "none.tflite")
    assert_user_error(proc, "model not found", "none.tflite")


@pytest.mark.slow
def test_a_manifest_from_another_split_is_refused(converted, tmp_path):
    out, _ = converted
    for suffix in (".tflite", ".json", ".split.csv"):
        shutil.copy(out.with_suffix(suffix), tmp_path / f"m{suffix}")
    manifest = tmp_path / "m.split.csv"
    manifest.write_text(manifest.read_text().replace(",val,", ",test,", 1))
    proc = run_module("convert.score", tmp_path / "m.tflite")
    assert_user_error(proc, "m.split.csv", "not the split")


@pytest.mark.slow
def test_moved_photos_name_the_data_root(converted, tmp_path):
    out, _ = converted
    proc = run_module("convert.score", out, "--data", tmp_path)
    assert_user_error(proc, str(tmp_path), "--data")
