"""Deterministic, stratified, leak-free train/val/test split and its manifest CSV."""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

from .dataset import Sample
from .errors import UserError

SPLITS = ("train", "val", "test")
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
) -> dict[str, str]:
    """Return {path: split}. Byte-identical files (same sha256) always share one split.

    Files are grouped by content; each group counts towards the class of its first path, a path of
    an `unknown` class only when no other path has its content, so adding unknown classes never
    moves a photo of the classes (TrashNet holds a glass photo that is byte for byte a plastic one).
    Within a class, groups are ordered by a seeded hash of their content (independent of file names
    and of other classes) and cut into test, validation and train by the given fractions. The cut
    is by rank, so adding photos to a class can move some of its photos across a cut: `pinned`
    ({sha256: split}, from an earlier run's manifest, see `pinned_splits`) keeps those files in
    their split and cuts only the others.
    """
    pinned = pinned or {}
    groups: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        groups[s.sha256].append(s)
    by_class: dict[str, list[str]] = defaultdict(list)
    for sha, members in groups.items():
        if sha in pinned:
            continue
        first = min(members, key=lambda s: (s.label in unknown, s.path))
        by_class[first.label].append(sha)
    _, val_frac, test_frac = fractions
    split_of_group = {sha: pinned[sha] for sha in groups if sha in pinned}
    for shas in by_class.values():
        shas.sort(key=lambda sha: content_order(seed, sha))
        n_test = round(len(shas) * test_frac)
        n_val = round(len(shas) * val_frac)
        for i, sha in enumerate(shas):
            split_of_group[sha] = "test" if i < n_test else "val" if i < n_test + n_val else "train"
    return {s.path: split_of_group[s.sha256] for s in samples}


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
        if row["split"] not in SPLITS:
            raise UserError(
                f"--split-from {path}: {row['path']} has split {row['split']!r}; "
                f"expected one of {', '.join(SPLITS)}"
            )
        pinned[row["sha256"]] = row["split"]
    return pinned
