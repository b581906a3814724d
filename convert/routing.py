"""Where the bin would put each test photo: the model's answer after the confidence threshold.

Every item ends in one of three ways: in its own compartment; a recyclable item in the fallback
(trash) compartment, which loses a recyclable but harms nothing; or in a recyclable compartment
that is not its own, which contaminates that stream — the one mistake the threshold exists to
prevent.
"""

from __future__ import annotations

import numpy as np

from device.config import DecisionConfig
from device.decision import Decider

DECISION = DecisionConfig()  # the bin's defaults: confidence threshold and fallback compartment
THRESHOLD = DECISION.confidence_threshold
THRESHOLDS = tuple(round(0.3 + 0.05 * i, 2) for i in range(14))  # 0.30 … 0.95


def route(
    probs: np.ndarray,
    y: np.ndarray,
    labels: list[str],
    threshold: float,
    fallback: str = "trash",
    compartments: dict[str, str] | None = None,
) -> dict:
    """Fractions of items in their own compartment, recyclables sent to the fallback, and items
    in a wrong recyclable compartment. Each label goes to the compartment of its name unless
    `compartments` sends it elsewhere (the bin config's `[compartments]`, e.g. glass to trash)."""
    where = {lab: lab for lab in labels} | (compartments or {})
    decider = Decider(labels, where, threshold, fallback)
    own = to_fallback = wrong = uncertain = 0
    for p, truth in zip(probs, y, strict=True):
        decider.clear()
        decider.add(p)
        decision = decider.decide()
        uncertain += decision.uncertain
        if decision.compartment == where[labels[truth]]:
            own += 1
        elif decision.compartment == fallback:
            to_fallback += 1
        else:
            wrong += 1
    n = len(y)
    return {
        "threshold": threshold,
        "own_compartment": own / n,
        "recyclable_to_fallback": to_fallback / n,
        "wrong_recyclable": wrong / n,
        "uncertain": uncertain / n,
    }


def sweep(probs: np.ndarray, y: np.ndarray, labels: list[str], fallback: str = "trash") -> list:
    """`route` at every threshold in THRESHOLDS."""
    return [route(probs, y, labels, t, fallback) for t in THRESHOLDS]


def route_unknown(
    probs: np.ndarray, labels: list[str], threshold: float, fallback: str = "trash"
) -> dict:
    """Where items of a class the bin has no compartment for (`--unknown`) would land: the fallback
    compartment is theirs, so `to_recyclable` is the contamination."""
    routed = route(probs, np.full(len(probs), labels.index(fallback)), labels, threshold, fallback)
    return {
        "n": len(probs),
        "threshold": threshold,
        "to_fallback": routed["own_compartment"],
        "to_recyclable": routed["wrong_recyclable"],
        "uncertain": routed["uncertain"],
    }
