"""Decoding photos and the resize rule shared by training, conversion and evaluation."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
RESIZE_RULES = ("stretch", "center_crop")


def decode_rgb(path: Path) -> np.ndarray:
    """Decode any image file to an RGB uint8 array, honouring EXIF orientation.

    Raises OSError/ValueError (from Pillow) when the file is not a decodable image.
    """
    with Image.open(path) as im:
        im.load()  # forces a full decode, so truncated files fail here
        im = ImageOps.exif_transpose(im)
        if im.mode != "RGB":
            if im.mode in ("RGBA", "LA", "P"):
                im = im.convert("RGBA")
                background = Image.new("RGBA", im.size, (255, 255, 255, 255))
                im = Image.alpha_composite(background, im)
            im = im.convert("RGB")
        return np.asarray(im, dtype=np.uint8)


def resize(rgb: np.ndarray, height: int, width: int, rule: str = "stretch") -> np.ndarray:
    """Apply the model's resize rule (docs/contracts.md): stretch, or centre crop then resize."""
    if rule == "center_crop":
        h, w = rgb.shape[:2]
        target = width / height
        if w / h > target:
            cw = round(h * target)
            x0 = (w - cw) // 2
            rgb = rgb[:, x0 : x0 + cw]
        else:
            ch = round(w / target)
            y0 = (h - ch) // 2
            rgb = rgb[y0 : y0 + ch]
    elif rule != "stretch":
        raise ValueError(f"unknown resize rule {rule!r}; valid: {', '.join(RESIZE_RULES)}")
    return cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
