"""`python -m train --data DIR --out runs/NAME [--preset default|paper] ...`"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from .errors import UserError
from .presets import PRESETS, Recipe, get_preset
from .twins import TWIN_SIMILARITY


def _fractions(text: str) -> tuple[float, float, float]:
    try:
        parts = [float(p) for p in text.split(",")]
    except ValueError:
        parts = []
    if len(parts) != 3 or min(parts) < 0 or parts[1] <= 0 or parts[2] <= 0:
        raise argparse.ArgumentTypeError(
            f"--split expects three positive numbers TRAIN,VAL,TEST, got {text!r}"
        )
    total = sum(parts)
    return tuple(p / total for p in parts)  # type: ignore[return-value]


def _between(noun: str, high: float):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")  # fails the range check below
        if not 0 <= value <= high:
            raise argparse.ArgumentTypeError(f"expects a {noun} from 0 to {high:g}, got {text!r}")
        return value

    return parse


def _twins(text: str) -> float | None:
    if text == "off":
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(
            f"expects a cosine similarity above 0 and at most 1, or off, got {text!r}"
        )
    return value


def _positive(kind: type):
    def parse(text: str) -> float | int:
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expects a positive {kind.__name__}, got {text!r}")
        return value

    return parse


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m train", description=__doc__)
    p.add_argument("--data", type=Path, required=True, help="folder of class folders")
    p.add_argument("--out", type=Path, required=True, help="run folder to create (runs/NAME)")
    p.add_argument("--preset", choices=sorted(PRESETS), default="default")
    p.add_argument(
        "--weights",
        default="imagenet",
        help="'imagenet' (download), a local .h5 file, or 'none' (random init)",
    )
    p.add_argument(
        "--init-from",
        type=Path,
        nargs="+",
        metavar="MODEL",
        help="start from a trained model instead of the bare base: a run's model.keras, a shipped "
        ".tflite, or a stage checkpoint (RUN/checkpoints/stage2.best.weights.h5) to carry on a "
        "stopped run; to train it further, or on new photos; same classes and --alpha. Several: "
        "start from the mean of their weights (a model soup of models fine-tuned from one start)",
    )
    p.add_argument(
        "--classes",
        help="comma-separated class folders, in output order "
        "(default: cardboard,metal,paper,plastic,trash)",
    )
    p.add_argument(
        "--unknown",
        metavar="CLASSES",
        help="comma-separated folders of items the bin has no compartment for (e.g. glass): "
        "trained on as 'none of the classes', so the bin is unsure of them and sends them to "
        "its fallback compartment",
    )
    p.add_argument(
        "--unknown-weight",
        type=_between("weight", 10),
        metavar="W",
        help="loss weight of each --unknown photo, a known photo's being its class weight "
        "(preset: 0.5)",
    )
    p.add_argument("--split", type=_fractions, default=(0.7, 0.15, 0.15), metavar="TR,VA,TE")
    p.add_argument(
        "--split-from",
        type=Path,
        metavar="MANIFEST.csv",
        help="keep every photo this manifest lists (a run's split.csv, a model's .split.csv) in "
        "its split there, matched by content; only new photos are split by --split. Use it with "
        "--init-from, so that no photo the model trained on lands in validation or test",
    )
    p.add_argument(
        "--twins",
        type=_twins,
        default=TWIN_SIMILARITY,
        metavar="SIMILARITY|off",
        help="photos whose ImageNet features are this alike (cosine) are near-copies of one shot "
        f"and share a split (default {TWIN_SIMILARITY}); off splits them like any photos",
    )
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--image-size", type=int, help="square input size (preset: 224)")
    p.add_argument("--alpha", type=float, help="MobileNetV2 width multiplier (preset: 1.0)")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--epochs1", type=int, help="stage-1 epoch budget")
    p.add_argument("--epochs2", type=int, help="stage-2 epoch budget (0 skips fine-tuning)")
    p.add_argument("--epochs3", type=int, help="stage-3 (int8-grid) epoch budget (0 skips it)")
    p.add_argument(
        "--lr1",
        type=_positive(float),
        help="stage-1 learning rate (preset: 1e-3 in default, 1e-5 in paper); lower it to retrain "
        "a trained model's head without undoing it",
    )
    p.add_argument(
        "--lr2",
        type=_positive(float),
        help="stage-2 learning rate (preset: 1e-4 in default, 1e-6 in paper)",
    )
    p.add_argument(
        "--average",
        type=_positive(int),
        metavar="N",
        help="stage 2: stochastic weight averaging, at a constant --lr2 without early stopping, "
        "ending on the mean weights of its last N epochs",
    )
    p.add_argument(
        "--unfreeze", type=int, help="stages 2 and 3: number of last base layers to fine-tune"
    )
    p.add_argument(
        "--backdrop",
        type=_between("probability", 1),
        help="share of training photos whose backdrop is recoloured (preset: 0.5 in default)",
    )
    p.add_argument(
        "--texture",
        type=_between("probability", 1),
        help="share of the recoloured backdrops that are mottled in two colours, not one "
        "(preset: 0)",
    )
    p.add_argument(
        "--zoom-in",
        type=_between("fraction", 0.9),
        metavar="F",
        help="zoom in by up to F (0-0.9: the visible side shrinks to 1-F), beyond the preset's "
        "zoom of ±0.2",
    )
    p.add_argument(
        "--aspect",
        type=_between("fraction", 0.9),
        metavar="F",
        help="zoom the height alone by up to ±F (0-0.9), the width kept: items taller or squatter, "
        "as cameras of other frame shapes show them (preset: 0)",
    )
    p.add_argument(
        "--mixup",
        type=_between("alpha", 2),
        metavar="ALPHA",
        help="blend each training photo with another, targets too (MixUp), by a Beta(ALPHA, ALPHA) "
        "weight; 0.2 is usual, 0 turns it off (preset: 0)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace a model already in --out")
    return p


# option -> the (recipe part, field) pairs it sets, part "" for the recipe's own fields; an option
# left out keeps the preset's value
OVERRIDES: dict[str, tuple[tuple[str, str], ...]] = {
    "unknown_weight": (("", "unknown_weight"),),
    "epochs1": (("stage1", "epochs"),),
    "epochs2": (("stage2", "epochs"),),
    "lr1": (("stage1", "lr"),),
    "lr2": (("stage2", "lr"),),
    "average": (("stage2", "average"),),
    "epochs3": (("stage3", "epochs"),),
    "unfreeze": (("stage2", "unfreeze"), ("stage3", "unfreeze")),
    "backdrop": (("augment", "backdrop"),),
    "texture": (("augment", "texture"),),
    "zoom_in": (("augment", "zoom_in"),),
    "aspect": (("augment", "aspect"),),
    "mixup": (("augment", "mixup"),),
}


def apply_overrides(recipe: Recipe, args: argparse.Namespace) -> Recipe:
    """The recipe with every option of `OVERRIDES` that was given set in its stage or augment."""
    for option, targets in OVERRIDES.items():
        value = getattr(args, option)
        if value is None:
            continue
        for part, name in targets:
            if not part:
                recipe = replace(recipe, **{name: value})
                continue
            recipe = replace(recipe, **{part: replace(getattr(recipe, part), **{name: value})})
    return recipe


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    recipe = get_preset(
        args.preset, image_size=args.image_size, alpha=args.alpha, batch_size=args.batch_size
    )
    if args.image_size is not None and args.image_size < 32:
        print(
            f"error: --image-size {args.image_size} is below MobileNetV2's minimum of 32",
            file=sys.stderr,
        )
        return 2
    recipe = apply_overrides(recipe, args)
    classes, unknown = (
        [c.strip() for c in text.split(",") if c.strip()] if text else None
        for text in (args.classes, args.unknown)
    )
    from .run import train_run  # imported late: TensorFlow start-up is slow

    try:
        train_run(
            args.data,
            args.out,
            recipe,
            args.weights,
            classes,
            args.split,
            args.seed,
            args.overwrite,
            args.init_from,
            unknown,
            args.split_from,
            args.twins,
        )
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
