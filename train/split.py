"""Deterministic, stratified, leak-free train/val/test split and its manifest CSV.

Leak-free: copies of one photo, byte for byte or near (`train/twins.py`), never straddle splits."""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

from .dataset import Sample
from .errors import UserError

SPLITS = ("train", "val", "test")
# a photo held out of every split: its near-copy was trained on (see assign_splits)
TWIN = "twin"
MANIFEST_FIELDS = ("path", "label", "split", "sha256")


def content_order(seed: int, sha256: str) -> str:
    """A seeded sort key for a file's content hash: stable under renames, changes with the seed."""
    return hashlib.sha256(f"{seed}:{sha256}".encode()).hexdigest()


def assign_splits(
    samples: list[Sample],
    fractions: tuple[float, float, float],
    seed: int,
    unknown: frozenset[str] = frozenset(),
    pinned: Mapping[str, str] | None = None,
    twins: Sequence[int] | None = None,
) -> dict[str, str]:
    """Return {path: split}. Byte-identical files (same sha256) and near-copies always share one
    split; `twins` gives each sample's near-copy group (`train.twins.twin_groups`).

    Each group counts towards the class of its first path, a path of an `unknown` class only when
    the group holds nothing else, so adding unknown classes never moves a photo of the classes
    (TrashNet holds a glass photo that is byte for byte a plastic one). Within a class, groups are
    ordered by a seeded hash of their content (independent of file names and of other classes) and
    cut into test, validation and train by the given fractions. The cut is by rank, so adding
    photos to a class can move some of its photos across a cut: `pinned` ({sha256: split}, from an
    earlier run's manifest, see `pinned_splits`) keeps those files in their split and cuts only the
    others. A new photo joins the split of a pinned near-copy; a pinned validation or test photo
    whose near-copy was pinned to train (a split made before near-copies were looked for) becomes
    TWIN: neither trained on nor scored.
    """
    pinned = pinned or {}
    members: dict[object, list[Sample]] = defaultdict(list)
    for i, s in enumerate(samples):
        # byte-identical files have identical features, so they always share a near-copy group
        members[s.sha256 if twins is None else int(twins[i])].append(s)
    by_class: dict[str, list[tuple[str, list[Sample]]]] = defaultdict(list)
    split_of: dict[str, str] = {}
    for ms in members.values():
        if any(s.sha256 in pinned for s in ms):
            split_of.update(_pinned_group(ms, pinned))
            continue
        first = min(ms, key=lambda s: (s.label in unknown, s.path))
        by_class[first.label].append((content_order(seed, min(s.sha256 for s in ms)), ms))
    _, val_frac, test_frac = fractions
    for groups in by_class.values():
        groups.sort(key=lambda g: g[0])
        n_test = round(len(groups) * test_frac)
        n_val = round(len(groups) * val_frac)
        for i, (_, ms) in enumerate(groups):
            name = "test" if i < n_test else "val" if i < n_test + n_val else "train"
            split_of.update((s.path, name) for s in ms)
    return split_of


def _pinned_group(members: list[Sample], pinned: Mapping[str, str]) -> dict[str, str]:
    """Splits of a group some of whose files are pinned: the others follow them, to train if any
    of them is there; beside a pinned training photo, a pinned held-out one becomes TWIN."""
    held = {pinned[s.sha256] for s in members if s.sha256 in pinned}
    follow = "train" if "train" in held else min(held - {TWIN}, default=TWIN)
    splits = {}
    for s in members:
        was = pinned.get(s.sha256, follow)
        splits[s.path] = TWIN if follow == "train" and was != "train" else was
    return splits


def write_manifest(path: Path, samples: list[Sample], splits: dict[str, str]) -> None:
    """Write the manifest CSV: path,label,split,sha256 (paths relative to the data root)."""
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(MANIFEST_FIELDS)
        for s in samples:
            w.writerow((s.path, s.label, splits[s.path], s.sha256))


def read_manifest(path: Path) -> list[dict[str, str]]:
    """Read a manifest CSV back as a list of rows (dicts with the manifest's fields)."""
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    if rows and set(rows[0]) != set(MANIFEST_FIELDS):
        raise UserError(f"{path}: expected columns {','.join(MANIFEST_FIELDS)}")
    return rows


def pinned_splits(path: Path) -> dict[str, str]:
    """{sha256: split} of a manifest (`--split-from`: a run's split.csv or a model's .split.csv)."""
    if not path.is_file():
        raise UserError(f"--split-from {path}: file not found")
    pinned: dict[str, str] = {}
    for row in read_manifest(path):
        if row["split"] not in (*SPLITS, TWIN):
            raise UserError(
                f"--split-from {path}: {row['path']} has split {row['split']!r}; "
                f"expected one of {', '.join((*SPLITS, TWIN))}"
            )
        pinned[row["sha256"]] = row["split"]
    return pinned
