"""Scoring a converted model with the interpreter the bin uses (never TensorFlow's own)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from device.model import Classifier


def run_tflite(
    model_path: Path, images: np.ndarray, threads: int
) -> tuple[np.ndarray, float, dict]:
    """Probabilities per image through device.model.Classifier, mean invoke ms, and the input and
    output tensors' dtype and quantization as the interpreter reports them."""
    clf = Classifier(model_path, num_threads=threads)
    tensors = {}
    for name, (d,) in (
        ("input", clf.interpreter.get_input_details()),
        ("output", clf.interpreter.get_output_details()),
    ):
        scale, zero_point = d["quantization"]
        tensors[name] = {"dtype": np.dtype(d["dtype"]).name}
        if scale:
            tensors[name].update(scale=float(scale), zero_point=int(zero_point))
    clf.invoke(images[0])  # warm-up: the first invoke prepares kernels
    probs, seconds = [], 0.0
    for img in tqdm(images, desc=f"verifying {model_path.name}", unit="img", leave=False):
        t0 = time.perf_counter()
        probs.append(clf.invoke(img))
        seconds += time.perf_counter() - t0
    return np.stack(probs), 1000 * seconds / len(images), tensors


def summary(scores: dict) -> dict:
    """The figures the sidecar carries (accuracy, macro and per-class recall, the Wilson 95 %
    intervals of accuracy and recalls), taken from `train.evaluate.score`'s full scores."""
    return {
        "accuracy": scores["accuracy"],
        "accuracy_ci95": list(scores["accuracy_ci95"]),
        "macro_recall": scores["macro"]["recall"],
        "per_class_recall": {name: c["recall"] for name, c in scores["per_class"].items()},
        "per_class_recall_ci95": {
            name: list(c["recall_ci95"]) for name, c in scores["per_class"].items()
        },
    }


def summary_rows(columns: dict[str, dict], labels: list[str]) -> list[tuple[str, ...]]:
    """Table rows (header first) comparing `summary` dicts side by side: accuracy, its interval,
    macro recall and each class's recall."""
    rows = [("", *columns)]
    rows.append(("accuracy", *(f"{s['accuracy']:.4f}" for s in columns.values())))
    rows.append(
        (
            "accuracy 95% CI",
            *("{:.3f}-{:.3f}".format(*s["accuracy_ci95"]) for s in columns.values()),
        )
    )
    rows.append(("macro recall", *(f"{s['macro_recall']:.4f}" for s in columns.values())))
    for lab in labels:
        rows.append(
            (f"recall {lab}", *(f"{s['per_class_recall'][lab]:.3f}" for s in columns.values()))
        )
    return rows


def print_table(rows: list[tuple[str, ...]]) -> None:
    """Print rows as left-aligned columns."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
