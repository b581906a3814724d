"""Is an item in the intake, and is it still? From frame differencing or a gpiozero sensor.

Both detectors work on a small colour thumbnail of the frame (about `thumbnail_width` pixels wide,
0-255 floats): the mean absolute difference to the previous thumbnail is the motion, and for frame
differencing the difference to an adaptive empty-intake background decides presence, with
enter/exit hysteresis.
"""

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np


@dataclass(frozen=True)
class Reading:
    present: bool
    difference: float  # to the background, 0-1 (0 for a sensor)
    motion: float  # to the previous frame, 0-1


class Thumbnail:
    """A reusable downscaled float32 copy of each frame, and the one before it.

    The thumbnail keeps colour: a brown box on a grey floor can have the floor's brightness.
    """

    def __init__(self, width: int = 80):
        self.width = width
        self.current = self.previous = self.diff = np.empty(0, np.float32)

    def update(self, rgb: np.ndarray) -> float:
        """Take a new frame; returns the motion (mean |thumbnail - previous| / 255)."""
        # every k-th pixel: ten times cheaper than INTER_AREA, and the ISP (or the camera's own
        # scaler) has already averaged sensor noise down to this frame size
        k = max(1, round(rgb.shape[1] / self.width))
        sampled = rgb[::k, ::k]
        first = self.current.shape != sampled.shape
        if first:
            self.current = np.empty(sampled.shape, np.float32)
            self.previous = np.empty_like(self.current)
            self.diff = np.empty_like(self.current)
        else:
            self.current, self.previous = self.previous, self.current
        np.copyto(self.current, sampled, casting="unsafe")
        if first:
            self.previous[...] = self.current
        return self.mean_abs_diff(self.previous)

    def mean_abs_diff(self, other: np.ndarray) -> float:
        cv2.absdiff(self.current, other, dst=self.diff)
        return float(cv2.mean(self.diff.reshape(self.diff.shape[0], -1))[0]) / 255.0


class Presence:
    """Turns frames into readings; `relearn` accepts the current view as the empty intake."""

    def update(self, rgb: np.ndarray) -> Reading:
        raise NotImplementedError

    def relearn(self) -> None:
        """Take the current view as the empty intake (an item stuck, a light change)."""

    def close(self) -> None:
        """Release any pin."""


class FrameDifference(Presence):
    """Presence from the difference to an adaptive background, with enter/exit hysteresis."""

    def __init__(self, enter: float, exit: float, rate: float = 0.05, thumbnail_width: int = 80):
        self.enter, self.exit, self.rate = enter, exit, rate
        self.thumb = Thumbnail(thumbnail_width)
        self.background: np.ndarray | None = None
        self.present = False

    def update(self, rgb: np.ndarray) -> Reading:
        motion = self.thumb.update(rgb)
        if self.background is None or self.background.shape != self.thumb.current.shape:
            self.background = self.thumb.current.copy()
        difference = self.thumb.mean_abs_diff(self.background)
        self.present = difference > (self.exit if self.present else self.enter)
        if not self.present:
            # follow slow light changes only while the intake is empty
            cv2.accumulateWeighted(self.thumb.current, self.background, self.rate)
        return Reading(self.present, difference, motion)

    def relearn(self) -> None:
        if self.background is not None:
            self.background[...] = self.thumb.current
        self.present = False


class Sensor(Presence):
    """Presence from a gpiozero input (break-beam or distance sensor); motion from frames."""

    def __init__(
        self,
        pin: int | str,
        pull: str = "up",
        present_when: str = "high",
        thumbnail_width: int = 80,
        pin_factory: Any = None,
    ):
        from gpiozero import DigitalInputDevice

        pull_up = {"up": True, "down": False, "none": None}[pull]
        active_state = True if pull_up is None else None
        self.device = DigitalInputDevice(
            pin, pull_up=pull_up, active_state=active_state, pin_factory=pin_factory
        )
        self.level = present_when == "high"
        self.thumb = Thumbnail(thumbnail_width)

    def update(self, rgb: np.ndarray) -> Reading:
        motion = self.thumb.update(rgb)
        return Reading(bool(self.device.pin.state) == self.level, 0.0, motion)

    def close(self) -> None:
        self.device.close()
