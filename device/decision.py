"""From the probabilities of several settled frames to a compartment."""

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Decision:
    label: str  # the model's top label
    confidence: float  # its averaged probability
    probs: dict[str, float]  # every label's averaged probability
    compartment: str
    uncertain: bool  # confidence below the threshold: sent to the fallback compartment


class Decider:
    """Averages probabilities and applies the confidence threshold.

    An item whose averaged top probability is below the threshold goes to the fallback
    compartment (trash), never to a recyclable one, and is marked uncertain.
    """

    def __init__(
        self,
        labels: list[str],
        compartments: Mapping[str, str],
        threshold: float,
        fallback: str = "trash",
    ):
        self.labels = list(labels)
        self.compartments, self.threshold, self.fallback = compartments, threshold, fallback
        self._sum = np.zeros(len(self.labels), np.float64)
        self.count = 0

    def add(self, probs: np.ndarray) -> None:
        """Add one settled frame's probabilities to the vote."""
        self._sum += probs
        self.count += 1

    def clear(self) -> None:
        self._sum[:] = 0.0
        self.count = 0

    def decide(self) -> Decision:
        """The decision for the frames added since the last clear()."""
        if not self.count:
            raise ValueError("decide() needs at least one frame")
        mean = self._sum / self.count
        top = int(mean.argmax())
        label, confidence = self.labels[top], float(mean[top])
        uncertain = confidence < self.threshold
        compartment = self.fallback if uncertain else self.compartments[label]
        probs = {name: round(float(p), 6) for name, p in zip(self.labels, mean, strict=True)}
        return Decision(label, confidence, probs, compartment, uncertain)
