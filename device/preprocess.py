"""Frame -> model input: region-of-interest crop, then the sidecar's resize rule, RGB uint8.

Resizing is `cv2.resize(..., interpolation=cv2.INTER_AREA)`, the call docs/contracts.md names
for train/, convert/ and device/ alike, so the bin feeds the model the pixels it was trained on.
"""

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Roi:
    """Region of interest as fractions of the frame."""

    x: float = 0.0
    y: float = 0.0
    width: float = 1.0
    height: float = 1.0

    def box(self, frame_h: int, frame_w: int) -> tuple[int, int, int, int]:
        """(top, bottom, left, right) in pixels, at least one pixel each way."""
        top, left = round(self.y * frame_h), round(self.x * frame_w)
        bottom = max(top + 1, round((self.y + self.height) * frame_h))
        right = max(left + 1, round((self.x + self.width) * frame_w))
        return top, min(bottom, frame_h), left, min(right, frame_w)


def center_crop_box(h: int, w: int, aspect: float) -> tuple[int, int, int, int]:
    """The largest centred (top, bottom, left, right) box of width/height `aspect` inside h x w."""
    if w / h > aspect:
        cw = max(1, round(h * aspect))
        left = (w - cw) // 2
        return 0, h, left, left + cw
    ch = max(1, round(w / aspect))
    top = (h - ch) // 2
    return top, top + ch, 0, w


class Preprocessor:
    """Writes the model input for a frame into one reusable (1, H, W, 3) uint8 buffer."""

    def __init__(self, input_size: tuple[int, int], resize: str = "stretch", roi: Roi = Roi()):
        self.height, self.width = input_size
        self.resize, self.roi = resize, roi
        self.buffer = np.empty((1, self.height, self.width, 3), np.uint8)
        self._boxes: dict[tuple[int, int], tuple[int, int, int, int]] = {}

    def crop(self, rgb: np.ndarray) -> np.ndarray:
        """The part of the frame the model looks at (a view, no copy)."""
        top, bottom, left, right = self._box(rgb.shape[0], rgb.shape[1])
        return rgb[top:bottom, left:right]

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        """The model input for `rgb` (the returned buffer is overwritten by the next call)."""
        cv2.resize(
            self.crop(rgb),
            (self.width, self.height),
            dst=self.buffer[0],
            interpolation=cv2.INTER_AREA,
        )
        return self.buffer

    def _box(self, h: int, w: int) -> tuple[int, int, int, int]:
        box = self._boxes.get((h, w))
        if box is None:
            top, bottom, left, right = self.roi.box(h, w)
            if self.resize == "center_crop":
                t, b, lf, r = center_crop_box(bottom - top, right - left, self.width / self.height)
                top, bottom, left, right = top + t, top + b, left + lf, left + r
            box = self._boxes[(h, w)] = (top, bottom, left, right)
        return box
