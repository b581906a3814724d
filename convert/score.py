"""`python -m convert.score MODEL.tflite [--split val|test] [--data DIR]`: score a converted model
again, on a split of its own manifest (`MODEL.split.csv`), with the interpreter the bin uses, on the
plain photos and on the backdrop and framing shifts of `convert/shift.py`, and where the items
would land at the bin's default confidence threshold (`convert/routing.py`); for a model trained
with unknown classes (`python -m train --unknown`), also how many of their photos would reach a
recyclable compartment.
With `--compartments glass=trash` (the bin config's `[compartments]`), a model with a class the bin
has no compartment for is scored on the other classes' photos, an answer of the folded class
counting as wrong, and the folded class's photos as to where they would land. Writes nothing.

For a model converted before a shift existed, or to check a model file against its sidecar's
figures: the plain column reproduces what `make convert` measured.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from device.errors import UserError as DeviceError
from device.model import load_sidecar, sha256_of
from train.errors import UserError
from train.evaluate import score
from train.split import read_manifest

from . import routing, shift
from .routing import DECISION, THRESHOLD
from .runs import check_rows, load_rows
from .verify import print_table, run_tflite, summary, summary_rows

COLUMNS = ("plain", *shift.TITLES)  # the plain photos, then each shift of convert/shift.py


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m convert.score", description=__doc__)
    p.add_argument("model", type=Path, help="a converted model, its sidecar and manifest beside it")
    p.add_argument("--split", choices=("val", "test"), default="val", help="default: val")
    p.add_argument("--data", type=Path, help="data root (default: the one the model was made from)")
    p.add_argument("--threads", type=int, default=2, help="interpreter threads")
    p.add_argument(
        "--compartments",
        default="",
        metavar="LABEL=COMPARTMENT,...",
        help="labels routed to another label's compartment, as in the bin config (glass=trash)",
    )
    return p


def parse_compartments(text: str, labels: list[str]) -> dict[str, str]:
    """`glass=trash,...` as {label: compartment}; one-line errors naming the part at fault. A
    compartment must be a label that keeps its own compartment."""
    folds = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        label, sep, compartment = (s.strip() for s in part.partition("="))
        if not sep or label not in labels:
            raise UserError(
                f"--compartments {part!r}: expected LABEL=COMPARTMENT with LABEL one of {labels}"
            )
        folds[label] = compartment
    own = [lab for lab in labels if lab not in folds]
    for label, compartment in folds.items():
        if compartment not in own:
            raise UserError(
                f"--compartments {label}={compartment}: the compartment must be one of {own}"
            )
    return folds


def score_kept(y: np.ndarray, pred: np.ndarray, labels: list[str], kept: list[str]) -> dict:
    """`train.evaluate.score` over the photos of the `kept` labels, with an answer of any other
    label counted as wrong (it is in no kept class's recall or precision)."""
    index = {labels.index(k): i for i, k in enumerate(kept)}
    y_kept = np.array([index[t] for t in y])
    pred_kept = np.array([index.get(int(p), -1) for p in pred])
    return score(y_kept, pred_kept, kept)


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
        folds = parse_compartments(args.compartments, labels)
        kept = [lab for lab in labels if lab not in folds]
        groups = {"kept": [r for r in rows if r["label"] in kept]}
        if not groups["kept"]:
            raise UserError(f"the {args.split} split has no photos of {kept}")
        groups |= {lab: [r for r in rows if r["label"] == lab] for lab in folds}
        groups["unknown"] = unknown_rows
        photos = {
            name: load_rows(group, root, labels, side["input"], f"{name} photos")
            for name, group in groups.items()
            if group
        }
        if "unknown" in photos:  # the fallback compartment is theirs
            images = photos["unknown"][0]
            photos["unknown"] = images, np.full(len(images), labels.index(DECISION.fallback))
        results, routes, other_routes = {}, {}, {name: {} for name in photos if name != "kept"}
        for column in COLUMNS:
            for name, (images, truth) in photos.items():
                if column in shift.BACKDROPS:
                    images = shift.BACKDROPS[column](images)
                elif column in shift.FRAMINGS:
                    desc = f"{name} photos, {shift.TITLES[column]}"
                    frame = shift.FRAMINGS[column]
                    images = load_rows(groups[name], root, labels, side["input"], desc, frame)[0]
                probs = run_tflite(args.model, images, args.threads)[0]
                routed = routing.route(probs, truth, labels, THRESHOLD, DECISION.fallback, folds)
                title = shift.TITLES.get(column, column)
                if name == "kept":
                    results[title] = summary(score_kept(truth, probs.argmax(1), labels, kept))
                    routes[title] = routed
                else:
                    other_routes[name][title] = routed["wrong_recyclable"]
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    folded = "".join(f", {lab} to the {c} compartment" for lab, c in folds.items())
    print(
        f"{args.model.name}, {args.split} split, {len(groups['kept'])} photos of "
        f"{', '.join(kept)}{folded} (device.model.Classifier)"
    )
    rows = summary_rows(results, kept)
    for key, name in (
        ("own_compartment", "own compartment"),
        ("wrong_recyclable", "wrong recyclable"),
    ):
        rows.append((f"{name} @{THRESHOLD:g}", *(f"{routes[n][key]:.4f}" for n in routes)))
    for name, fractions in other_routes.items():
        rows.append(
            (
                f"{len(groups[name])} {name} to a recyclable @{THRESHOLD:g}",
                *(f"{fractions[n]:.4f}" for n in routes),
            )
        )
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
