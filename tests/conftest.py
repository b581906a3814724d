"""Shared workstation fixtures: a synthetic, easily separable photo set and a tiny run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.helpers import REPO, run_module

SHARED_WEIGHTS = (
    REPO.parent
    / "shared"
    / "weights"
    / "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"
)
CLASSES = ("cardboard", "metal", "paper", "plastic", "trash")
# Saturated, well-spread hues (about 30, 55, 115, 225 and 280 degrees): the `default` preset
# tints, recolours unsaturated bright pixels and shifts hue, so a grey or pale class block would be
# recoloured like the backdrop and the classes would only be told apart by luck.
COLOURS = {
    "cardboard": (180, 110, 40),
    "metal": (150, 40, 210),
    "paper": (235, 215, 30),
    "plastic": (40, 80, 230),
    "trash": (30, 170, 40),
}

# The synthetic photos are one block per class at random places: to ImageNet features every photo
# of a class is a near-copy of the others (cosine 0.86-0.97), so runs on them split them as photos.
ALIKE = ("--twins", "off")


def make_photos(root: Path, per_class: int = 80, seed: int = 0) -> Path:
    """Write <root>/<class>/*.jpg: a block on a white backdrop, each class its own colour and
    texture (solid, horizontal/vertical stripes, checks, dots), at a random place."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:56, 0:64]
    textures = [
        np.ones_like(yy, bool),
        (yy // 6) % 2 == 0,
        (xx // 6) % 2 == 0,
        ((yy // 8) + (xx // 8)) % 2 == 0,
        ((yy % 10) < 4) & ((xx % 10) < 4),
    ]
    for (label, colour), texture in zip(COLOURS.items(), textures, strict=True):
        (root / label).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            img = np.full((96, 128, 3), 255, np.uint8)
            x, y = rng.integers(2, 62), rng.integers(2, 38)
            block = np.clip(np.array(colour) + rng.normal(0, 10, 3), 0, 255).astype(np.uint8)
            patch = img[y : y + 56, x : x + 64]
            patch[texture] = block
            patch[~texture] = block // 3
            Image.fromarray(img).save(root / label / f"{label}{i}.jpg", quality=90)
    return root


@pytest.fixture(scope="session")
def shared_weights() -> Path:
    if not SHARED_WEIGHTS.is_file():
        pytest.skip(f"offline ImageNet weights not found at {SHARED_WEIGHTS}")
    return SHARED_WEIGHTS


@pytest.fixture(scope="session")
def photos(tmp_path_factory) -> Path:
    return make_photos(tmp_path_factory.mktemp("photos"))


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory, photos, shared_weights) -> Path:
    """A real training run on the synthetic photos: ImageNet weights, 64×64 input, a few epochs.

    Stages 2 and 3 fine-tune 30 layers, not the default 154: on a few hundred tiny training photos
    the full depth swings held-out accuracy by tens of points from seed to seed (and from machine
    to machine), which would make "it learns" a coin toss. With 40 photos a class (30 held out)
    even 30 layers scored 0.57-0.93 over six seeds; with 80 (60 held out), 0.80-0.98 over six."""
    from train.__main__ import main

    out = tmp_path_factory.mktemp("runs") / "tiny"
    options = ["--image-size", "64", "--epochs1", "10", "--epochs2", "2", "--epochs3", "1"]
    options += ["--batch-size", "8", "--unfreeze", "30", *ALIKE]
    rc = main(
        ["--data", str(photos), "--out", str(out), "--weights", str(shared_weights), *options]
    )
    assert rc == 0
    return out


@pytest.fixture(scope="session")
def converted(tiny_run, tmp_path_factory) -> tuple[Path, str]:
    """The tiny run converted by `python -m convert` (int8 and fp32): (int8 model path, stdout)."""
    out = tmp_path_factory.mktemp("models") / "tiny_int8.tflite"
    proc = run_module(
        "convert",
        tiny_run,
        "--out",
        out,
        "--variants",
        "int8,fp32",
        "--representative",
        "30",
        "--max-drop",
        "100",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out, proc.stdout
