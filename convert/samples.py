"""`python -m convert.samples MODEL.split.csv --data DIR --out models/samples`: demo photos.

Draws a few photos per class from the model's **test** split (never a training photo), downsizes
them and writes `OUT/<class>/<name>.jpg` with the dataset's licence beside them, for `make demo`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import cv2

from train.errors import UserError
from train.images import decode_rgb
from train.split import content_order, read_manifest


def pick(
    rows: list[dict[str, str]], per_class: int, seed: int = 0, skip: frozenset[str] = frozenset()
) -> list[dict[str, str]]:
    """A deterministic choice of `per_class` test-split rows of each class not in `skip`."""
    chosen: dict[str, list[dict[str, str]]] = {}
    test = (r for r in rows if r["split"] == "test" and r["label"] not in skip)
    for r in sorted(test, key=lambda r: content_order(seed, r["sha256"])):
        chosen.setdefault(r["label"], [])
        if len(chosen[r["label"]]) < per_class:
            chosen[r["label"]].append(r)
    return [r for label in sorted(chosen) for r in chosen[label]]


def unknown_classes(manifest: Path) -> frozenset[str]:
    """The classes the model beside `manifest` (its sidecar, if there is one) was trained to be
    unsure of: they have no compartment, so the demo has no photos of them."""
    sidecar = manifest.with_name(manifest.name.removesuffix(".split.csv") + ".json")
    if not sidecar.is_file():
        return frozenset()
    try:
        return frozenset(json.loads(sidecar.read_text())["source"].get("unknown", []))
    except (ValueError, KeyError, TypeError):
        raise UserError(f"cannot read the model's classes from {sidecar}") from None


def write_samples(manifest: Path, data: Path, out: Path, per_class: int, max_side: int) -> int:
    """Write the downsized photos (and the licence note); returns how many were written."""
    rows = pick(read_manifest(manifest), per_class, skip=unknown_classes(manifest))
    if not rows:
        raise UserError(f"{manifest} has no test-split rows to draw samples from")
    if out.exists():
        shutil.rmtree(out)
    for r in rows:
        src = data / r["path"]
        if not src.is_file():
            raise UserError(f"data root {data} does not hold {r['path']} from {manifest}")
        rgb = decode_rgb(src)
        scale = max_side / max(rgb.shape[:2])
        if scale < 1:
            rgb = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        dest = out / r["label"] / Path(r["path"]).name
        dest.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(
            str(dest.with_suffix(".jpg")),
            cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
            [cv2.IMWRITE_JPEG_QUALITY, 88],
        )
    licence = data / "LICENSE"
    note = (
        f"Photos drawn from the test split of {manifest.name} (never trained on), downsized to "
        f"at most {max_side} px.\nSource: TrashNet (G. Thung and M. Yang, 2016), "
        "MIT licence, reproduced below.\n\n"
    )
    (out / "LICENSE").write_text(note + (licence.read_text() if licence.is_file() else ""))
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m convert.samples", description=__doc__)
    p.add_argument("manifest", type=Path, help="the model's split manifest (models/X.split.csv)")
    p.add_argument("--data", type=Path, required=True, help="data root the manifest's paths use")
    p.add_argument("--out", type=Path, default=Path("models/samples"))
    p.add_argument("--per-class", type=int, default=4)
    p.add_argument("--max-side", type=int, default=384)
    args = p.parse_args(argv)
    try:
        if not args.manifest.is_file():
            raise UserError(f"manifest not found: {args.manifest}")
        n = write_samples(args.manifest, args.data, args.out, args.per_class, args.max_side)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{n} sample photos from the test split written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
