"""OpenCV VideoCapture: a USB camera index, a video file or a stream URL."""

import time
from pathlib import Path

import cv2
import numpy as np

from device.cameras.base import Camera, CameraError, EndOfStream, Frame


class OpenCVCamera(Camera):
    """Frames from `cv2.VideoCapture`, converted BGR -> RGB into a reused buffer."""

    def __init__(self, source: int | str, width: int = 640, height: int = 480):
        self.source = int(source) if str(source).isdigit() else source
        self.is_file = isinstance(self.source, str) and Path(self.source).is_file()
        self.width, self.height = width, height
        self.name = f"opencv camera {self.source!r}"
        self._cap: cv2.VideoCapture | None = None
        self._bgr: np.ndarray | None = None
        self._rgb: np.ndarray | None = None

    def open(self) -> None:
        if isinstance(self.source, str) and "://" not in self.source and not self.is_file:
            raise CameraError(f"no such video file: {self.source}")
        cap = cv2.VideoCapture(self.source)
        if not cap.isOpened():
            cap.release()
            raise CameraError(f"cannot open {self.name}")
        if isinstance(self.source, int):
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
            cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # fresh frames, not a backlog
        self._cap = cap

    def read(self) -> Frame | None:
        if self._cap is None:
            return None
        ok, bgr = self._cap.read(self._bgr)
        if not ok or bgr is None:
            if self.is_file:
                raise EndOfStream(self.name)
            return None
        self._bgr = bgr
        if self._rgb is None or self._rgb.shape != bgr.shape:
            self._rgb = np.empty_like(bgr)
        cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB, dst=self._rgb)
        return Frame(self._rgb, time.monotonic())

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None
