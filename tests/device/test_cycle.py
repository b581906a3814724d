"""The item cycle on scripted frame sequences (replay folders), real model, mock servos."""

import shutil
import tomllib

import cv2
import numpy as np
import pytest
from gpiozero.pins.mock import MockFactory, MockPWMPin

from device import config
from device.cameras.base import EndOfStream
from device.cameras.replay import empty_intake
from device.cycle import Phase, Sorter
from device.model import Classifier
from device.parts import build_parts
from device.preprocess import Preprocessor
from tests.device.conftest import CAMERA, config_text


class Run:
    """A sorter over a replay folder; records the phase after each frame and every item."""

    def __init__(self, model, folder, state, extra=""):
        text = config_text(model, folder, state, extra)
        self.cfg = config.parse(tomllib.loads(text), "test.toml")
        self.factory = MockFactory(pin_class=MockPWMPin)
        self.parts = build_parts(self.cfg, pin_factory=self.factory)
        self.items = []
        pr = self.cfg.presence
        self.sorter = Sorter(
            self.parts,
            pr.settle_s,
            pr.motion_threshold,
            pr.reset_timeout_s,
            self.cfg.decision.vote_frames,
            on_item=self.items.append,
        )
        self.phases = []

    def to_end(self):
        try:
            while True:
                self.sorter.step()
                if not self.phases or self.phases[-1] is not self.sorter.phase:
                    self.phases.append(self.sorter.phase)
        except EndOfStream:
            pass
        finally:
            self.parts.close()
        return self

    def chute_pulses(self):
        return [round(s.state * 20, 4) for s in self.factory.pin(12).states if s.state]


ID, P, S, R = Phase.IDLE, Phase.PRESENT, Phase.SETTLED, Phase.RESET


def folder_with(tmp_path, samples, *photos):
    root = tmp_path / "intake"
    for n, rel in enumerate(photos):
        dest = root / rel.split("/")[0] / f"{n}.jpg"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(samples / rel, dest)
    return root


def test_no_item_no_routing(tiny_model, tmp_path):
    root = tmp_path / "intake"
    root.mkdir()
    w, h = CAMERA
    cv2.imwrite(str(root / "empty.jpg"), empty_intake(w, h))  # a photo of the empty intake
    run = Run(tiny_model, root, tmp_path / "state").to_end()
    assert run.items == [] and run.phases == [ID]
    assert run.chute_pulses() == [1.5]  # only the homing at start


def test_one_item_goes_through_every_phase_and_is_routed(tiny_model, tmp_path, samples):
    run = Run(tiny_model, folder_with(tmp_path, samples, "metal/0.jpg"), tmp_path / "st").to_end()
    assert run.phases == [ID, P, S, R, ID]
    (item,) = run.items
    assert (item.decision.label, item.decision.compartment, item.decision.uncertain) == (
        "metal",
        "metal",
        False,
    )
    assert item.frames == 3 and set(item.ms) >= {"capture", "preprocess", "invoke", "route", "log"}
    assert run.chute_pulses() == [1.5, 1.1, 1.5]  # home, metal at -36 deg, home
    assert run.factory.pin(12).frequency is None and run.factory.pin(13).frequency is None


def test_two_items_in_a_row(tiny_model, tmp_path, samples):
    root = folder_with(tmp_path, samples, "plastic/0.jpg", "cardboard/1.jpg")
    run = Run(tiny_model, root, tmp_path / "st").to_end()
    assert [i.decision.compartment for i in run.items] == ["cardboard", "plastic"]
    assert run.phases == [ID, P, S, R, ID, P, S, R, ID]
    assert run.chute_pulses() == [1.5, 0.7, 1.5, 1.9, 1.5]


def test_item_removed_before_settling_is_not_routed(tiny_model, tmp_path, samples):
    root = folder_with(tmp_path, samples, "paper/0.jpg")
    text_extra = "[presence]\nsettle_s = 0.4\n"
    run = Run(tiny_model, root, tmp_path / "st", text_extra)
    run.parts.camera.camera.item_frames = 3  # in view 0.3 s, shorter than settle_s
    run.to_end()
    assert run.items == [] and run.phases == [ID, P, ID]
    assert run.chute_pulses() == [1.5]


def test_low_confidence_item_goes_to_trash_and_is_uncertain(tiny_model, tmp_path, samples):
    root = folder_with(tmp_path, samples, "metal/2.jpg")
    clf = Classifier(tiny_model)
    photo = cv2.cvtColor(cv2.imread(str(samples / "metal/2.jpg")), cv2.COLOR_BGR2RGB)
    frame = cv2.resize(photo, CAMERA, interpolation=cv2.INTER_AREA)
    probs = clf.invoke(Preprocessor(clf.input_size)(frame))
    assert clf.labels[int(np.argmax(probs))] == "metal"
    threshold = min(1.0, float(probs.max()) + 0.01)  # just above what the model gives this item
    run = Run(
        tiny_model, root, tmp_path / "st", f"[decision]\nconfidence_threshold = {threshold}\n"
    )
    run.to_end()
    (item,) = run.items
    assert item.decision.label == "metal" and item.decision.uncertain
    assert item.decision.compartment == "trash" and item.decision.confidence < threshold
    assert run.chute_pulses() == [1.5, 2.3, 1.5]  # trash at 72 deg, never metal's 1.1 ms
    assert item.decision.confidence == pytest.approx(float(probs.max()), abs=1e-6)
