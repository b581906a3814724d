"""Scoring a model on a split: the figures, the classification report, the confusion matrix."""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import classification_report, confusion_matrix, precision_recall_fscore_support


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval (95 % by default) for k successes in n trials; (0, 1) when n is 0.

    Test splits here are small (21 trash photos in TrashNet's), so every rate is quoted with one.
    """
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    # at k = 0 or k = n one bound is exactly 0 or 1; float rounding would leave it a hair inside
    lo = 0.0 if k == 0 else centre - half
    hi = 1.0 if k == n else centre + half
    return lo, hi


def score(y_true: np.ndarray, y_pred: np.ndarray, labels: list[str]) -> dict:
    """Accuracy, per-class P/R/F1/support, macro and weighted averages, confusion matrix, report."""
    idx = list(range(len(labels)))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=idx, zero_division=0)
    cm = confusion_matrix(y_true, y_pred, labels=idx)
    avg = {
        kind: dict(
            zip(
                ("precision", "recall", "f1"),
                map(
                    float,
                    precision_recall_fscore_support(
                        y_true, y_pred, labels=idx, average=kind, zero_division=0
                    )[:3],
                ),
                strict=True,
            )
        )
        for kind in ("macro", "weighted")
    }
    return {
        "n": int(len(y_true)),
        "accuracy": float(np.mean(y_true == y_pred)) if len(y_true) else 0.0,
        "accuracy_ci95": wilson_interval(int(np.sum(y_true == y_pred)), len(y_true)),
        "macro": avg["macro"],
        "weighted": avg["weighted"],
        "per_class": {
            name: {
                "precision": float(p[i]),
                "recall": float(r[i]),
                "f1": float(f[i]),
                "support": int(s[i]),
                "recall_ci95": wilson_interval(int(cm[i, i]), int(s[i])),
            }
            for i, name in enumerate(labels)
        },
        "confusion_matrix": cm.tolist(),
        "report": classification_report(
            y_true, y_pred, labels=idx, target_names=labels, digits=4, zero_division=0
        ),
    }


def unknown_summary(probs: np.ndarray, labels: list[str]) -> dict:
    """How sure the model is of photos of classes it does not know (`--unknown`): their number,
    mean and quartiles of the top probability, and how many go to each label by arg-max."""
    top = probs.max(axis=1)
    counts = np.bincount(probs.argmax(axis=1), minlength=len(labels))
    return {
        "n": int(len(probs)),
        "top_probability": {
            "mean": float(top.mean()),
            "quartiles": [float(q) for q in np.percentile(top, (25, 50, 75))],
        },
        "predicted": {lab: int(c) for lab, c in zip(labels, counts, strict=True)},
    }
