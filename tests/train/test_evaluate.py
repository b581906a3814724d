"""train.evaluate: the figures and their Wilson intervals."""

import numpy as np
import pytest

from train.evaluate import score, wilson_interval


@pytest.mark.parametrize(
    ("k", "n", "lo", "hi"),
    [(0, 10, 0.0, 0.2775), (5, 10, 0.2366, 0.7634), (10, 10, 0.7225, 1.0)],
)
def test_wilson_interval_matches_published_values(k, n, lo, hi):
    got = wilson_interval(k, n)
    assert got == pytest.approx((lo, hi), abs=5e-4)


def test_wilson_interval_narrows_with_more_trials_and_is_total_without_any():
    small, large = wilson_interval(13, 21), wilson_interval(130, 210)
    assert small[0] < 13 / 21 < small[1] and large[0] < 13 / 21 < large[1]
    assert large[1] - large[0] < small[1] - small[0]
    assert wilson_interval(0, 0) == (0.0, 1.0)
    assert wilson_interval(0, 7)[0] == 0.0 and wilson_interval(7, 7)[1] == 1.0  # exact, no rounding


def test_score_carries_intervals_from_the_counts():
    labels = ["a", "b"]
    y_true = np.array([0] * 10 + [1] * 10)
    y_pred = np.array([0] * 5 + [1] * 5 + [1] * 10)
    s = score(y_true, y_pred, labels)
    assert s["accuracy"] == 0.75
    assert s["accuracy_ci95"] == wilson_interval(15, 20)
    assert s["per_class"]["a"]["recall_ci95"] == pytest.approx((0.2366, 0.7634), abs=5e-4)
    assert s["per_class"]["b"]["recall_ci95"] == pytest.approx((0.7225, 1.0), abs=5e-4)
