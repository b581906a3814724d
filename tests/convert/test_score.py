"""`python -m convert.score`: a converted model scored again from its own files."""

import json
import re
import shutil

import numpy as np
import pytest

from convert.score import parse_compartments, score_kept
from tests.helpers import assert_user_error, run_module
from train.errors import UserError
from train.split import read_manifest

COLUMNS = ("plain", "recoloured_backdrop", "patterned_backdrop", "upright_framing", "upright_crop")


def figures(stdout: str, row: str) -> list[float]:
    """One row of the printed table, by its name: plain, then each shift (`COLUMNS`)."""
    (line,) = [line for line in stdout.splitlines() if re.match(rf"{row}\s+\d\.\d{{3,4}}\s", line)]
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


def test_an_answer_of_a_folded_label_counts_as_wrong():
    labels = ["cardboard", "glass", "trash"]
    y = np.array([0, 0, 2, 2])
    pred = np.array([0, 1, 2, 1])  # a cardboard and a trash photo called glass
    scores = score_kept(y, pred, labels, ["cardboard", "trash"])
    assert scores["n"] == 4 and scores["accuracy"] == 0.5
    assert list(scores["per_class"]) == ["cardboard", "trash"]
    assert scores["macro"]["recall"] == 0.5
    assert scores["per_class"]["cardboard"]["precision"] == 1.0
    assert scores["confusion_matrix"] == [[1, 0], [0, 1]]


def test_compartments_are_parsed_and_checked():
    labels = ["cardboard", "glass", "metal", "trash"]
    assert parse_compartments("", labels) == {}
    assert parse_compartments(" glass = trash ", labels) == {"glass": "trash"}
    for text, needle in (
        ("glass", "expected LABEL=COMPARTMENT"),
        ("cans=metal", "LABEL one of"),
        ("glass=bottles", "one of ['cardboard', 'metal', 'trash']"),
        ("glass=metal,metal=trash", "glass=metal"),  # metal has no compartment of its own
    ):
        with pytest.raises(UserError, match=re.escape(needle)):
            parse_compartments(text, labels)


@pytest.mark.slow
def test_a_folded_class_is_scored_where_it_lands(converted):
    out, _ = converted
    proc = run_module("convert.score", out, "--compartments", "metal=trash")
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [r for r in read_manifest(out.with_suffix(".split.csv")) if r["split"] == "val"]
    n = {lab: sum(r["label"] == lab for r in rows) for lab in {r["label"] for r in rows}}
    recall = json.loads(out.with_suffix(".json").read_text())["metrics"]["validation"]["tflite"]
    recall = recall["per_class_recall"]
    kept = [lab for lab in n if lab != "metal"]
    # with metal answers counted wrong, accuracy over the rest is their recalls weighted by count
    expected = sum(recall[lab] * n[lab] for lab in kept) / sum(n[lab] for lab in kept)
    assert figures(proc.stdout, "accuracy")[0] == pytest.approx(expected, abs=1e-4)
    for lab in kept:
        assert figures(proc.stdout, f"recall {lab}")[0] == pytest.approx(recall[lab], abs=1e-3)
    assert "recall metal" not in proc.stdout
    assert re.search(rf"^{n['metal']} metal to a recyclable @0.6\s+\d\.\d{{4}}", proc.stdout, re.M)
    assert f"{sum(n[lab] for lab in kept)} photos of" in proc.stdout
    bad = run_module("convert.score", out, "--compartments", "metal=glass")
    assert_user_error(bad, "--compartments metal=glass", "must be one of")
