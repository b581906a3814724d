"""The camera interface, and a wrapper that reopens a failed camera with exponential backoff."""

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Frame:
    """One RGB frame (uint8 HxWx3) and its monotonic timestamp in seconds.

    `rgb` may be a buffer the camera reuses: it is valid until the next `read()`.
    """

    rgb: np.ndarray
    t: float


class CameraError(Exception):
    """The camera could not be opened (missing device, file, driver)."""


class EndOfStream(Exception):
    """A finite source (replay folder, video file) has no more frames."""


class Camera(ABC):
    """A source of RGB frames."""

    name: str = "camera"

    @abstractmethod
    def open(self) -> None:
        """Acquire the device; raises CameraError when it cannot."""

    @abstractmethod
    def read(self) -> Frame | None:
        """The next fresh frame, None when none could be read; EndOfStream at a finite end."""

    @abstractmethod
    def close(self) -> None:
        """Release the device (safe to call twice)."""


class ReopeningCamera(Camera):
    """Keeps a camera alive: a failed or stalled camera is closed and reopened with backoff.

    `read()` never blocks on the backoff: while waiting it returns None, so the service loop keeps
    running (watchdog, signals) and `status` says what is going on.
    """

    def __init__(
        self,
        camera: Camera,
        initial_s: float = 0.5,
        max_s: float = 30.0,
        stall_s: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.camera = camera
        self.name = camera.name
        self.initial_s, self.max_s, self.stall_s = initial_s, max_s, stall_s
        self.clock = clock
        self.is_open = False
        self.failures = 0
        self.reopen_at = 0.0
        self.last_frame_at = 0.0
        self.status = "camera not opened"

    def open(self) -> None:
        """Open at start: failing here is the user's problem (CameraError propagates)."""
        self.camera.open()
        self._opened()

    def read(self) -> Frame | None:
        now = self.clock()
        if not self.is_open:
            if now < self.reopen_at:
                return None
            try:
                self.camera.open()
            except CameraError as exc:
                self._failed(f"reopen failed: {exc}")
                return None
            self._opened()
            log.info("%s reopened", self.name)
        frame = self.camera.read()
        if frame is not None:
            self.last_frame_at = now
            self.failures = 0
        elif now - self.last_frame_at > self.stall_s:
            self._failed(f"no frame for {now - self.last_frame_at:.1f} s")
        return frame

    def close(self) -> None:
        self.camera.close()
        self.is_open = False

    def _opened(self) -> None:
        self.is_open = True
        self.last_frame_at = self.clock()
        self.status = f"{self.name} running"

    def _failed(self, why: str) -> None:
        self.camera.close()
        self.is_open = False
        delay = min(self.max_s, self.initial_s * 2**self.failures)
        self.failures += 1
        self.reopen_at = self.clock() + delay
        self.status = f"{self.name} unavailable ({why}); retry {self.failures} in {delay:.1f} s"
        log.warning("%s", self.status)
