"""Shifts to score against: the validation photos as other places and cameras would show them.

The bin's intake is not a white posterboard. A model that leans on the backdrop loses accuracy
here that it keeps on the plain photos. Two backdrop shifts (`BACKDROPS`) on the photos at
model size, each the same on every call (fixed seeds):

- `recoloured_backdrops`: the training augmentation's own `recolour_backdrop`, one colour per
  photo, so a model trained with it has seen this kind of change;
- `patterned_backdrops`: stripes and checks (tablecloths, tiles, floor mats), a family of
  backdrops that no training augmentation draws, to see whether what was learnt carries over.

Nor is every camera's frame TrashNet's 4:3 landscape, and the bin stretches whatever it gets to
the model's square input. Two framings (`FRAMINGS`) of the decoded photo, before that resize:

- `upright_framing`: the whole photo as an upright 3:4 camera further back would frame it, its
  edge pixels carried on above and below (the backdrop, in TrashNet), so items come out squatter;
- `upright_crop`: the central upright 3:4 part, as that camera would frame it from the same
  place: items as squat, larger, and their sides cut.
"""

from __future__ import annotations

import cv2
import numpy as np
import tensorflow as tf

from device.preprocess import center_crop_box
from train.augment import recolour_backdrop, tint_backdrop

UPRIGHT = 3 / 4  # width over height of a camera held upright

SEED = 7


def _to_uint8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x), 0, 255).astype(np.uint8)


def recoloured_backdrops(images: np.ndarray) -> np.ndarray:
    """The uint8 photos with their bright, unsaturated pixels tinted; the same on every call."""
    tf.random.set_seed(SEED)
    return _to_uint8(recolour_backdrop(tf.constant(images, tf.float32), 1.0).numpy())


def stripes_and_checks(n: int, height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """n patterns in {0, 1} (N×H×W×1): half stripes, half checks, each at a random angle with
    4–20 periods across the width."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    out = np.empty((n, height, width, 1), np.float32)
    for i in range(n):
        angle, freq = rng.uniform(0, np.pi), rng.uniform(4, 20) / width
        u = (np.cos(angle) * xx + np.sin(angle) * yy) * freq
        if rng.uniform() < 0.5:
            out[i, ..., 0] = np.floor(2 * u) % 2
        else:
            v = (np.cos(angle) * yy - np.sin(angle) * xx) * freq
            out[i, ..., 0] = (np.floor(u) + np.floor(v)) % 2
    return out


def patterned_backdrops(images: np.ndarray) -> np.ndarray:
    """The uint8 photos with their bright, unsaturated pixels patterned in two random colours,
    keeping the backdrop's shading; the same on every call."""
    rng = np.random.default_rng(SEED)
    n, height, width, _ = images.shape
    t = stripes_and_checks(n, height, width, rng)
    first, second = (rng.uniform(0.15, 1.0, (n, 1, 1, 3)).astype(np.float32) for _ in range(2))
    field = first + t * (second - first)
    return _to_uint8(tint_backdrop(tf.constant(images, tf.float32), field).numpy())


def upright_framing(rgb: np.ndarray) -> np.ndarray:
    """The photo padded to an upright 3:4 frame by repeating its edge pixels, above and below (or
    at the sides, for a photo narrower than that)."""
    h, w = rgb.shape[:2]
    if w / h > UPRIGHT:
        extra = round(w / UPRIGHT) - h
        return cv2.copyMakeBorder(rgb, extra // 2, extra - extra // 2, 0, 0, cv2.BORDER_REPLICATE)
    extra = round(h * UPRIGHT) - w
    return cv2.copyMakeBorder(rgb, 0, 0, extra // 2, extra - extra // 2, cv2.BORDER_REPLICATE)


def upright_crop(rgb: np.ndarray) -> np.ndarray:
    """The largest central upright 3:4 part of the photo."""
    top, bottom, left, right = center_crop_box(*rgb.shape[:2], UPRIGHT)
    return rgb[top:bottom, left:right]


BACKDROPS = {"recoloured_backdrop": recoloured_backdrops, "patterned_backdrop": patterned_backdrops}
FRAMINGS = {"upright_framing": upright_framing, "upright_crop": upright_crop}
# each shift's key in a sidecar's `metrics.validation`, and its title in printed tables
TITLES = {
    "recoloured_backdrop": "recoloured backdrops",
    "patterned_backdrop": "patterned backdrops",
    "upright_framing": "upright framing",
    "upright_crop": "upright crop",
}
