"""Assemble the loop's parts from a validated configuration, and take them apart again."""

import logging
from dataclasses import dataclass
from typing import Any

from device.cameras.base import Camera
from device.cameras.factory import open_camera
from device.config import Config
from device.decision import Decider
from device.errors import UserError
from device.events import EventLog
from device.model import Classifier
from device.preprocess import Preprocessor
from device.presence import FrameDifference, Presence, Sensor
from device.router import Router

log = logging.getLogger(__name__)


@dataclass
class Parts:
    camera: Camera
    presence: Presence
    preprocessor: Preprocessor
    classifier: Classifier
    decider: Decider
    router: Router
    events: EventLog

    def close(self, keep_camera: bool = False) -> None:
        """Home and detach the servos, release pins, the camera (unless kept) and the log."""
        if self.router.attached:
            self.router.home()
        self.router.close()
        self.presence.close()
        if not keep_camera:
            self.camera.close()
        self.events.close()


def load_classifier(cfg: Config) -> Classifier:
    """The configured model, refused when one of its labels has no compartment."""
    classifier = Classifier(cfg.model_path, cfg.model.num_threads)
    for label in classifier.labels:
        if label not in cfg.compartments:
            raise UserError(
                f"{cfg.source}: [compartments]: model label {label!r} has no compartment;"
                f' add {label} = "<one of {", ".join(cfg.routes)}>"'
            )
    return classifier


def make_presence(cfg: Config, pin_factory: Any = None) -> Presence:
    pr = cfg.presence
    if pr.method == "gpio":
        from gpiozero.exc import GPIOZeroError

        try:
            return Sensor(pr.pin, pr.pull, pr.present_when, pr.thumbnail_width, pin_factory)
        except GPIOZeroError as exc:
            raise UserError(f"{cfg.source}: [presence] pin {pr.pin}: {exc}") from None
    return FrameDifference(
        pr.enter_threshold, pr.exit_threshold, pr.background_rate, pr.thumbnail_width
    )


def build_parts(
    cfg: Config,
    classifier: Classifier | None = None,
    camera: Camera | None = None,
    pin_factory: Any = None,
) -> Parts:
    """Everything the loop needs; what fails at start is a UserError, with pins released again."""
    classifier = classifier or load_classifier(cfg)
    preprocessor = Preprocessor(classifier.input_size, classifier.resize, cfg.roi)
    decider = Decider(
        classifier.labels,
        cfg.compartments,
        cfg.decision.confidence_threshold,
        cfg.decision.fallback,
    )
    router = Router(cfg.servos, cfg.routes, cfg.router.home_hold_s, pin_factory)
    try:
        presence = make_presence(cfg, pin_factory)
        try:
            camera = camera or open_camera(cfg.camera)
        except UserError:
            presence.close()
            raise
    except UserError:
        router.close()
        raise
    router.home()  # a known position at start, then no pulses
    events = EventLog(
        cfg.state_dir,
        classifier.sha256,
        cfg.state.capture_uncertain,
        int(cfg.state.capture_max_mb * (1 << 20)),
        cfg.state.jpeg_quality,
    )
    return Parts(camera, presence, preprocessor, classifier, decider, router, events)
