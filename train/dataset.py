"""Scanning a folder of class folders: which files are usable photos, their labels and hashes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .errors import UserError
from .images import IMAGE_SUFFIXES, decode_rgb, resize

DEFAULT_CLASSES = ("cardboard", "metal", "paper", "plastic", "trash")


@dataclass(frozen=True)
class Sample:
    """One usable photo: path relative to the data root, class label and sha256 of its bytes."""

    path: str
    label: str
    sha256: str


@dataclass
class Scan:
    """What a scan found: usable samples, their pixels at model size, and skipped files."""

    samples: list[Sample]
    pixels: np.ndarray  # N×H×W×3 uint8, same order as samples
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (relative path, reason)


def class_folders(root: Path, classes: list[str] | None, option: str = "--classes") -> list[str]:
    """Validate the data root and the requested classes; return the class list in output order.
    `option` names the command-line option the classes came from, for the error messages."""
    if not root.exists():
        raise UserError(f"data folder not found: {root}")
    if not root.is_dir():
        raise UserError(f"data path is not a folder: {root}")
    found = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not found:
        raise UserError(f"no class folders in {root} (expected {root}/<class>/*.jpg)")
    wanted = list(classes) if classes else [c for c in DEFAULT_CLASSES if c in found] or found
    missing = [c for c in wanted if c not in found]
    if missing:
        raise UserError(
            f"class folder {root / missing[0]} not found; folders in {root}: {', '.join(found)}"
        )
    if len(set(wanted)) != len(wanted):
        raise UserError(f"{option} lists a class twice: {','.join(wanted)}")
    return wanted


def scan(root: Path, classes: list[str], height: int, width: int, rule: str) -> Scan:
    """Decode every file under <root>/<class>/ once; keep the decodable ones resized for the model.

    Files that are not decodable images (corrupt, truncated, or not images at all) are skipped and
    reported. A class left without any usable photo is an error.
    """
    files = [
        (label, path)
        for label in classes
        for path in sorted((root / label).rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    ]
    samples: list[Sample] = []
    arrays: list[np.ndarray] = []
    skipped: list[tuple[str, str]] = []
    for label, path in tqdm(files, desc="scanning photos", unit="img", leave=False):
        rel = path.relative_to(root).as_posix()
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            skipped.append((rel, "not an image file (extension)"))
            continue
        data = path.read_bytes()
        try:
            rgb = decode_rgb(path)
        except Exception as exc:  # Pillow raises many types for bad files
            skipped.append((rel, f"cannot decode: {exc.__class__.__name__}: {exc}".splitlines()[0]))
            continue
        samples.append(Sample(rel, label, hashlib.sha256(data).hexdigest()))
        arrays.append(resize(rgb, height, width, rule))
    for label in classes:
        if not any(s.label == label for s in samples):
            raise UserError(f"class folder {root / label} holds no usable images")
    return Scan(samples, np.stack(arrays), skipped)
