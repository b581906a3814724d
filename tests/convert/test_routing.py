"""Routing the test photos through the bin's decision rule."""

import numpy as np

from convert.routing import THRESHOLDS, route, sweep

LABELS = ["cardboard", "metal", "trash"]


def test_each_item_lands_in_exactly_one_of_three_ways():
    probs = np.array(
        [
            [0.9, 0.05, 0.05],  # cardboard, sure and right: own compartment
            [0.5, 0.3, 0.2],  # metal called cardboard at 0.5: uncertain, to trash
            [0.1, 0.8, 0.1],  # cardboard called metal at 0.8: contaminates metal
            [0.45, 0.35, 0.2],  # trash, uncertain: trash is its own compartment
            [0.05, 0.05, 0.9],  # metal called trash: a recyclable lost, nothing harmed
        ]
    )
    y = np.array([0, 1, 0, 2, 1])
    r = route(probs, y, LABELS, threshold=0.6)
    assert r["own_compartment"] == 2 / 5
    assert r["recyclable_to_fallback"] == 2 / 5
    assert r["wrong_recyclable"] == 1 / 5
    assert r["uncertain"] == 2 / 5
    assert route(probs, y, LABELS, threshold=0.85)["wrong_recyclable"] == 0  # 0.8 now uncertain


def test_raising_the_threshold_never_adds_contamination():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(3) * 0.5, size=200)
    y = rng.integers(0, 3, size=200)
    points = sweep(probs, y, LABELS)
    assert [p["threshold"] for p in points] == list(THRESHOLDS)
    wrong = [p["wrong_recyclable"] for p in points]
    assert wrong == sorted(wrong, reverse=True) and wrong[0] > wrong[-1]
    for p in points:
        assert np.isclose(
            p["own_compartment"] + p["recyclable_to_fallback"] + p["wrong_recyclable"], 1
        )


def test_a_label_routed_to_another_compartment_lands_there():
    labels = ["glass", "metal", "trash"]
    probs = np.array(
        [
            [0.9, 0.05, 0.05],  # glass, sure: the trash compartment is its own
            [0.8, 0.1, 0.1],  # trash called glass: still in the trash compartment
            [0.1, 0.85, 0.05],  # glass called metal: contaminates metal
        ]
    )
    y = np.array([0, 2, 0])
    r = route(probs, y, labels, threshold=0.6, compartments={"glass": "trash"})
    assert r["own_compartment"] == 2 / 3 and r["wrong_recyclable"] == 1 / 3
    assert route(probs, y, labels, threshold=0.6)["own_compartment"] == 1 / 3  # glass to "glass"
