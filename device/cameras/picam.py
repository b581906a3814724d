"""Raspberry Pi camera through picamera2 (from the OS packages; imported only when used)."""

import atexit
import time
from typing import Any

from device.cameras.base import Camera, CameraError, Frame

# libcamera does not reliably release a camera within one process, so the process keeps one
# Picamera2 object for its whole life: close() only stops it and open() starts it again.
_shared: Any = None


def _picamera2() -> Any:
    global _shared
    if _shared is None:
        try:
            from picamera2 import Picamera2
        except ImportError as exc:
            raise CameraError(
                f"picamera2 is not available ({exc}); on the Pi: sudo apt install python3-picamera2"
                " and create the venv with --system-site-packages"
            ) from None
        try:
            _shared = Picamera2()
        except (RuntimeError, IndexError) as exc:
            raise CameraError(f"no Raspberry Pi camera found: {exc}") from None
        atexit.register(_shared.close)
    return _shared


class PiCamera(Camera):
    """The main stream scaled by the ISP to width x height, 24-bit RGB, fresh frames only.

    The main stream is used rather than 'lores' because lores is YUV420-only on a Pi 4. In
    picamera2's naming "BGR888" is the layout whose numpy array is ordered R, G, B.
    """

    name = "picamera2"

    def __init__(self, width: int = 640, height: int = 480, fps: float = 10.0):
        self.width, self.height, self.fps = width, height, fps
        self._cam: Any = None

    def open(self) -> None:
        cam = _picamera2()
        try:
            config = cam.create_video_configuration(
                main={"size": (self.width, self.height), "format": "BGR888"},
                buffer_count=2,
                queue=False,  # capture_array waits for a frame that starts after the request
                controls={"FrameRate": self.fps},
            )
            cam.configure(config)
            cam.start()
        except Exception as exc:  # picamera2 raises many types; all mean "cannot open"
            raise CameraError(f"cannot start picamera2: {exc}") from None
        self._cam = cam

    def read(self) -> Frame | None:
        if self._cam is None:
            return None
        try:
            rgb = self._cam.capture_array("main")
        except Exception:  # a dropped or timed-out frame; ReopeningCamera handles stalls
            return None
        return Frame(rgb, time.monotonic())

    def close(self) -> None:
        if self._cam is not None:
            self._cam.stop()
            self._cam = None
