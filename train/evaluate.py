"""Scoring a model on a split: the figures, the classification report, the confusion matrix."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import classification_report, confusion_matrix, precision_recall_fscore_support


def score(y_true: np.ndarray, y_pred: np.ndarray, labels: list[str]) -> dict:
    """Accuracy, per-class P/R/F1/support, macro and weighted averages, confusion matrix, report."""
    idx = list(range(len(labels)))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=idx, zero_division=0)
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
        "macro": avg["macro"],
        "weighted": avg["weighted"],
        "per_class": {
            name: {
                "precision": float(p[i]),
                "recall": float(r[i]),
                "f1": float(f[i]),
                "support": int(s[i]),
            }
            for i, name in enumerate(labels)
        },
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=idx).tolist(),
        "report": classification_report(
            y_true, y_pred, labels=idx, target_names=labels, digits=4, zero_division=0
        ),
    }
