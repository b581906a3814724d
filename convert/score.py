"""`python -m convert.score MODEL.tflite [--split val|test] [--data DIR]`: score a converted model
again, on a split of its own manifest (`MODEL.split.csv`), with the interpreter the bin uses, on the
plain photos and on the backdrop shifts of `convert/shift.py`, and where the items would land at the
bin's default confidence threshold (`convert/routing.py`); for a model trained with unknown classes
(`python -m train --unknown`), also how many of their photos would reach a recyclable compartment.
Writes nothing.

For a model converted before a shift existed, or to check a model file against its sidecar's
figures: the plain column reproduces what `make convert` measured.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from device.errors import UserError as DeviceError
from device.model import load_sidecar, sha256_of
from train.errors import UserError
from train.evaluate import score
from train.split import read_manifest

from . import routing, shift
from .routing import DECISION, THRESHOLD
from .runs import check_rows, load_rows
from .verify import print_table, run_tflite, summary, summary_rows

SHIFTS = {
    "plain": lambda images: images,
    "recoloured backdrops": shift.recoloured_backdrops,
    "patterned backdrops": shift.patterned_backdrops,
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m convert.score", description=__doc__)
    p.add_argument("model", type=Path, help="a converted model, its sidecar and manifest beside it")
    p.add_argument("--split", choices=("val", "test"), default="val", help="default: val")
    p.add_argument("--data", type=Path, help="data root (default: the one the model was made from)")
    p.add_argument("--threads", type=int, default=2, help="interpreter threads")
    return p


def rows_to_score(
    model: Path, split: str, data: Path | None
) -> tuple[list[dict], list[dict], Path, dict]:
    """The manifest rows of `split` (of the model's labels, and of its unknown classes), the data
    root and the sidecar; one-line errors for what is missing or does not belong to this model."""
    if not model.is_file():
        raise UserError(f"model not found: {model}")
    try:
        side = load_sidecar(model)
    except DeviceError as exc:
        raise UserError(str(exc)) from None
    manifest = model.with_suffix(".split.csv")
    if not manifest.is_file():
        raise UserError(f"manifest not found: {manifest} (written beside the model by convert)")
    expected = side.get("source", {}).get("manifest_sha256")
    if expected and sha256_of(manifest) != expected:
        raise UserError(f"{manifest} is not the split {model.name} was trained on (sha256 differs)")
    rows = [r for r in read_manifest(manifest) if r["split"] == split]
    if not rows:
        raise UserError(f"{manifest} has no {split!r} rows")
    root = data or Path(side.get("source", {}).get("data_root", ""))
    check_rows(rows, side["labels"] + side.get("source", {}).get("unknown", []), root, manifest)
    known = [r for r in rows if r["label"] in side["labels"]]
    return known, [r for r in rows if r["label"] not in side["labels"]], root, side


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        rows, unknown_rows, root, side = rows_to_score(args.model, args.split, args.data)
        labels = side["labels"]
        images, y = load_rows(rows, root, labels, side["input"], f"{args.split} photos")
        if unknown_rows:
            unknown = load_rows(unknown_rows, root, labels, side["input"], "unknown photos")[0]
        results, routes, unknown_routes = {}, {}, {}
        for name, make in SHIFTS.items():
            probs = run_tflite(args.model, make(images), args.threads)[0]
            results[name] = summary(score(y, probs.argmax(1), labels))
            routes[name] = routing.route(probs, y, labels, THRESHOLD, DECISION.fallback)
            if unknown_rows:
                unknown_probs = run_tflite(args.model, make(unknown), args.threads)[0]
                unknown_routes[name] = routing.route_unknown(
                    unknown_probs, labels, THRESHOLD, DECISION.fallback
                )
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.model.name}, {args.split} split, {len(y)} photos (device.model.Classifier)")
    rows = summary_rows(results, labels)
    for key, name in (
        ("own_compartment", "own compartment"),
        ("wrong_recyclable", "wrong recyclable"),
    ):
        rows.append((f"{name} @{THRESHOLD:g}", *(f"{routes[n][key]:.4f}" for n in SHIFTS)))
    if unknown_routes:
        rows.append(
            (
                f"{len(unknown_rows)} unknown to a recyclable @{THRESHOLD:g}",
                *(f"{unknown_routes[n]['to_recyclable']:.4f}" for n in SHIFTS),
            )
        )
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
