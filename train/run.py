"""One training run end to end: scan, split, train the stages, evaluate, write the run folder."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import keras
import numpy as np

from . import plots
from .data import balanced_class_weights, make_dataset, photo_weights
from .dataset import Sample, class_folders, scan
from .errors import UserError
from .evaluate import score, unknown_summary
from .fit import train_stage
from .model import build_model, resolve_weights
from .presets import Recipe
from .soup import load_soup
from .split import SPLITS, TWIN, assign_splits, pinned_splits, write_manifest
from .twins import TWIN_SIMILARITY, pooled_features, twin_groups


def _predict(model: keras.Model, pixels: np.ndarray, batch_size: int) -> tuple[np.ndarray, float]:
    t0 = time.perf_counter()
    probs = model.predict(
        make_dataset(pixels, np.zeros(len(pixels), int), model.output_shape[-1], batch_size),
        verbose=0,
    )
    return probs, len(pixels) / (time.perf_counter() - t0)


def _twin_summary(
    twins: np.ndarray | None,
    splits: dict[str, str],
    samples: list[Sample],
    similarity: float | None,
) -> dict:
    """What the near-copy check found, as the run's metrics keep it, with a line to print."""
    if twins is None:
        why = "no pretrained weights" if similarity is not None else "--twins off"
        return {"checked": False, "line": f"near-copies: not looked for ({why})"}
    _, sizes = np.unique(twins, return_counts=True)
    grouped, groups = int(sizes[sizes > 1].sum()), int((sizes > 1).sum())
    held_out = sorted(s.path for s in samples if splits[s.path] == TWIN)
    line = (
        f"near-copies (ImageNet features, cosine ≥ {similarity}): {grouped} photos in "
        f"{groups} groups, each group within one split"
    )
    if held_out:
        line += (
            f"; {len(held_out)} held-out photos of --split-from have a near-copy in training and "
            f"are left out of validation and test (split {TWIN!r})"
        )
    return {
        "checked": True,
        "similarity": similarity,
        "grouped_photos": grouped,
        "groups": groups,
        "left_out": held_out,
        "line": line,
    }


def train_run(
    data: Path,
    out: Path,
    recipe: Recipe,
    weights: str,
    classes: list[str] | None,
    fractions: tuple[float, float, float],
    seed: int,
    overwrite: bool = False,
    init_from: list[Path] | None = None,
    unknown: list[str] | None = None,
    split_from: Path | None = None,
    twin_similarity: float | None = TWIN_SIMILARITY,
) -> dict:
    """Train and evaluate one model; returns the metrics written to `out/metrics.json`.

    Photos of the `unknown` classes (folders beside the classes, e.g. TrashNet's `glass` for a bin
    without a glass compartment) are split like the others and trained on with a uniform target;
    they are scored apart from the classes, by how sure the model is of them. With `split_from`
    (a manifest) every photo it lists keeps its split there; only the others are split anew.
    Near-copies (ImageNet features at cosine similarity ≥ `twin_similarity`, `train/twins.py`)
    share a split; None splits them like any photos, as do runs without pretrained weights.
    """
    if (out / "model.keras").exists() and not overwrite:
        raise UserError(
            f"run folder {out} already holds a model; choose another --out or --overwrite"
        )
    weights_arg = resolve_weights(weights)
    pinned = pinned_splits(split_from) if split_from is not None else {}
    labels = class_folders(data, classes)
    unknown = class_folders(data, unknown, "--unknown") if unknown else []
    if set(unknown) & set(labels):
        raise UserError(
            f"--unknown names {', '.join(sorted(set(unknown) & set(labels)))}, one of the classes"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create run folder {out}: {exc.strerror}") from None
    size = recipe.image_size
    found = scan(data, labels + unknown, size, size, recipe.resize)
    verbose = 1 if sys.stdout.isatty() else 2
    keras.utils.set_random_seed(seed)
    model, base = build_model(
        len(labels), size, recipe.alpha, weights_arg, recipe.dense_units, recipe.dropout
    )
    twins = None
    if twin_similarity is not None and weights_arg is not None:
        features = pooled_features(model, found.pixels, recipe.batch_size, verbose)
        twins = twin_groups(features, twin_similarity)
    splits = assign_splits(found.samples, fractions, seed, frozenset(unknown), pinned, twins)
    if split_from is not None:
        kept = sum(s.sha256 in pinned for s in found.samples)
        print(
            f"split: {kept} photos keep their split from {split_from}, "
            f"{len(found.samples) - kept} new ones split {'/'.join(f'{f:.0%}' for f in fractions)}",
            flush=True,
        )
    twin_summary = _twin_summary(twins, splits, found.samples, twin_similarity)
    print(twin_summary["line"], flush=True)
    write_manifest(out / "split.csv", found.samples, splits)
    # an unknown class's index is len(labels) or more: make_dataset gives it a uniform target
    names = labels + unknown
    y = np.array([names.index(s.label) for s in found.samples])
    which = np.array([splits[s.path] for s in found.samples])
    known = y < len(labels)

    def take(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return found.pixels[mask], y[mask]

    # training takes the unknown photos too; validation and test score the classes only
    part = {n: take((which == n) & (known | (which == "train"))) for n in SPLITS}
    outliers = {n: found.pixels[(which == n) & ~known] for n in ("val", "test")}
    counts = {
        name: {lab: int(((which == name) & (y == i)).sum()) for i, lab in enumerate(names)}
        for name in SPLITS
    }
    n_known = {n: sum(counts[n][lab] for lab in labels) for n in SPLITS}
    for name in SPLITS:
        if n_known[name] == 0:
            hint = "; near-copies share a split (--twins off splits them apart)"
            hint = hint if twins is not None else ""
            raise UserError(
                f"the {name} split is empty: {data} has too few images for --split{hint}"
            )
    print(
        f"{len(found.samples)} photos in {len(labels)} classes, {len(found.skipped)} skipped; "
        f"train/val/test = {', '.join(str(n_known[n]) for n in SPLITS)}",
        flush=True,
    )
    for rel, why in found.skipped:
        print(f"  skipped {rel}: {why}")

    if init_from:
        load_soup(model, init_from, labels)
    train_x, train_y = part["train"]
    class_weight = balanced_class_weights(train_y, len(labels))
    train_ds = make_dataset(
        train_x,
        train_y,
        len(labels),
        recipe.batch_size,
        recipe.augment,
        seed,
        photo_weights(train_y, class_weight, recipe.unknown_weight),
    )
    val_ds = make_dataset(*part["val"], len(labels), recipe.batch_size).cache()
    config = {
        "preset": recipe.name,
        "recipe": asdict(recipe),
        "labels": labels,
        "unknown": unknown,
        "input": {
            "height": size,
            "width": size,
            "dtype": "uint8",
            "color": "RGB",
            "resize": recipe.resize,
        },
        "data_root": str(data.resolve()),
        "weights": weights,
        # one path, or the list a soup was made of
        "init_from": ([str(p) for p in init_from] if len(init_from) > 1 else str(init_from[0]))
        if init_from
        else None,
        "split_fractions": list(fractions),
        "split_from": str(split_from) if split_from else None,
        "twin_similarity": twin_similarity if twins is not None else None,
        "seed": seed,
        "keras_version": keras.__version__,
    }
    (out / "config.json").write_text(json.dumps(config, indent=2))

    # the int8-grid stage calibrates activation ranges on training photos of the classes, as
    # convert/ will
    known_train = np.flatnonzero(train_y < len(labels))
    calibration = train_x[known_train[:: max(1, len(known_train) // 100)]]
    stages = []
    for i, stage in enumerate((recipe.stage1, recipe.stage2, recipe.stage3), 1):
        if stage.epochs > 0:
            stages.append(
                train_stage(
                    model,
                    base,
                    stage,
                    i,
                    recipe,
                    train_ds,
                    val_ds,
                    len(train_y),
                    out,
                    weights_arg is not None,
                    verbose,
                    calibration,
                )
            )
    # Saved uncompiled: graph and weights only, no optimizer state or training metric (fit.py's
    # KnownAccuracy), so it loads anywhere with a plain keras.models.load_model.
    keras.Model(model.inputs, model.outputs, name=model.name).save(out / "model.keras")

    val_probs, _ = _predict(model, part["val"][0], recipe.batch_size)
    test_probs, test_ips = _predict(model, part["test"][0], recipe.batch_size)
    val = score(part["val"][1], val_probs.argmax(1), labels)
    test = score(part["test"][1], test_probs.argmax(1), labels)
    metrics = {
        "preset": recipe.name,
        "labels": labels,
        "counts": counts,
        "twins": {k: v for k, v in twin_summary.items() if k != "line"},
        "skipped": [{"path": p, "reason": r} for p, r in found.skipped],
        "class_weight": {labels[k]: v for k, v in class_weight.items()},
        "stages": [{k: v for k, v in st.items() if k != "history"} for st in stages],
        "val": {k: v for k, v in val.items() if k != "report"},
        "test": {k: v for k, v in test.items() if k != "report"},
        "test_images_per_second": test_ips,
    }
    if unknown:
        metrics["unknown"] = {
            name: unknown_summary(_predict(model, outliers[name], recipe.batch_size)[0], labels)
            for name in ("val", "test")
            if len(outliers[name])
        }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    report = [
        f"smartbin training run {out} (preset {recipe.name})",
        "",
        f"photos: {len(found.samples)} used, {len(found.skipped)} skipped",
    ]
    report += [f"  skipped {p}: {r}" for p, r in found.skipped]
    report += ["", "per split: " + json.dumps(counts), twin_summary["line"], ""]
    for st in metrics["stages"]:
        report.append(
            f"stage {st['stage']}: {st['epochs_run']} epochs, "
            + (
                f"the mean of the last {st['averaged_epochs']}, "
                if st["averaged_epochs"]
                else f"best {st['best_epoch']}, "
            )
            + f"{st['seconds_per_epoch']:.1f} s/epoch, {st['images_per_second']:.1f} img/s"
        )
    report += ["", "validation split:", val["report"], "test split (held out):", test["report"]]
    for name, summary in metrics.get("unknown", {}).items():
        report.append(f"unknown ({', '.join(unknown)}), {name} split: {json.dumps(summary)}")
    (out / "report.txt").write_text("\n".join(report) + "\n")
    plots.plot_confusion(
        test["confusion_matrix"],
        labels,
        out / "confusion_matrix.png",
        f"{recipe.name}: test split, accuracy {test['accuracy']:.2%}",
    )
    plots.plot_curves(stages, out / "curves.png", f"{recipe.name}: training curves")
    print(test["report"])
    print(
        f"test accuracy {test['accuracy']:.4f}, macro recall {test['macro']['recall']:.4f}; "
        f"run folder: {out}"
    )
    return metrics
