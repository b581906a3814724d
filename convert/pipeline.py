"""The convert stage end to end: quantize, verify against the float model, write model + sidecar."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import keras
import numpy as np

from train import plots
from train.errors import UserError
from train.evaluate import score

from . import routing, shift, sidecar
from .quantize import VARIANTS, convert, representative_rows
from .routing import DECISION, THRESHOLD
from .runs import open_run
from .verify import print_table, run_tflite, summary, summary_rows


def variant_path(out: Path, variant: str) -> Path:
    """models/smartbin_int8.tflite -> models/smartbin_fp16.tflite (or <stem>_<variant>.tflite)."""
    if variant == "int8":
        return out
    stem = out.stem.replace("int8", variant) if "int8" in out.stem else f"{out.stem}_{variant}"
    return out.with_name(stem + out.suffix)


def rebuilt_from(run_dir: Path, model: Path) -> bytes:
    """`model`'s bytes, once the run is checked to be it rebuilt into Keras and trained no
    further, so that its float figures are that file's own (`--measure`); one-line errors."""
    if not model.is_file():
        raise UserError(f"--measure {model}: file not found")
    data = model.read_bytes()
    config = json.loads((run_dir / "config.json").read_text())
    init_from = config.get("init_from") or "none"
    source = Path(init_from) if isinstance(init_from, str) else None  # a list: a soup
    stages = json.loads((run_dir / "metrics.json").read_text())["stages"]
    if (
        source is None
        or source.suffix != ".tflite"
        or not source.is_file()
        or source.read_bytes() != data
    ):
        shown = " ".join(init_from) if source is None else init_from
        raise UserError(
            f"--measure {model}: {run_dir} was not rebuilt from it (--init-from {shown})"
        )
    if stages:
        raise UserError(
            f"--measure {model}: {run_dir} trained on after the rebuild "
            f"({sum(s['epochs_run'] for s in stages)} epochs); its float model is another"
        )
    return data


def convert_run(
    run_dir: Path,
    out: Path,
    variants: list[str],
    n_rep: int,
    max_drop: float,
    data_root: Path | None,
    threads: int,
    measure: Path | None = None,
) -> bool:
    """Convert, verify and write every variant; False when one fails the --max-drop guard.

    A variant that fails keeps its files as `<stem>.rejected.tflite/.json` for inspection and never
    replaces a model already at its path. With `measure` (an int8 file the run was rebuilt from)
    that file's bytes are verified and written instead of a new conversion.
    """
    run = open_run(run_dir, data_root)
    rebuilt = rebuilt_from(run_dir, measure) if measure is not None else None
    model = keras.models.load_model(run_dir / "model.keras")
    if model.output_shape[-1] != len(run.labels):
        raise UserError(
            f"{run_dir}/model.keras has {model.output_shape[-1]} outputs but the run "
            f"names {len(run.labels)} labels ({', '.join(run.labels)})"
        )
    rep_rows = representative_rows(run.rows_of("train"), n_rep)
    test_rows, val_rows = run.rows_of("test"), run.rows_of("val")
    if not test_rows or not val_rows:
        raise UserError(f"{run_dir}/split.csv needs test and validation rows to verify against")
    rep_images, _ = run.load(rep_rows, "representative images")
    test_images, y = run.load(test_rows, "test images")

    # validation figures are the ones to choose between runs by; test is reported, never chosen on
    val_images, y_val = run.load(val_rows, "validation images")
    shifted_val = {key: make(val_images) for key, make in shift.BACKDROPS.items()} | {
        key: run.load(val_rows, f"validation images, {shift.TITLES[key]}", frame)[0]
        for key, frame in shift.FRAMINGS.items()
    }
    # photos of the classes the bin has no compartment for: how many would reach a recyclable one
    unknown_images = {
        split: run.load(rows, f"{split} photos of {', '.join(run.unknown)}")[0]
        for split in ("val", "test")
        if (rows := run.rows_of(split, unknown=True))
    }

    model.predict(test_images[:1].astype(np.float32), verbose=0)  # warm-up: builds the graph
    t0 = time.perf_counter()
    float_probs = model.predict(test_images.astype(np.float32), batch_size=32, verbose=0)
    float_ms = 1000 * (time.perf_counter() - t0) / len(test_images)
    float_pred = float_probs.argmax(1)
    float_summary = summary(score(y, float_pred, run.labels))
    float_val_probs = model.predict(val_images.astype(np.float32), batch_size=32, verbose=0)
    float_val_pred = float_val_probs.argmax(1)

    results, ok = {}, True
    for variant in variants:
        final = variant_path(out, variant)
        staged = final.with_name(final.stem + ".rejected.tflite")
        t0 = time.perf_counter()
        staged.write_bytes(
            rebuilt or convert(model, variant, rep_images if variant == "int8" else None)
        )
        convert_s = time.perf_counter() - t0
        sidecar.write(staged, sidecar.build(run, staged, VARIANTS[variant], {}, {}))
        probs, invoke_ms, tensors = run_tflite(staged, test_images, threads)
        if variant == "int8" and tensors["input"] != {
            "dtype": "uint8",
            "scale": 1.0,
            "zero_point": 0,
        }:
            raise UserError(f"int8 input quantization came out {tensors['input']}, not raw pixels")
        pred = probs.argmax(1)
        scores = score(y, pred, run.labels)
        lite = summary(scores)
        routes = routing.sweep(probs, y, run.labels, DECISION.fallback)
        metrics = {
            "n_test": len(y),
            "float": float_summary,
            "tflite": lite,
            "agreement": float(np.mean(pred == float_pred)),
            "accuracy_drop_points": 100 * (float_summary["accuracy"] - lite["accuracy"]),
            "mean_invoke_ms": invoke_ms,
            "invoke_threads": threads,
            "representative_images": len(rep_rows) if variant == "int8" else 0,
            "routing": routing.route(probs, y, run.labels, THRESHOLD, DECISION.fallback),
        }
        val_pred = run_tflite(staged, val_images, threads)[0].argmax(1)
        metrics["validation"] = {
            "n": len(y_val),
            "float": summary(score(y_val, float_val_pred, run.labels)),
            "tflite": summary(score(y_val, val_pred, run.labels)),
            "agreement": float(np.mean(val_pred == float_val_pred)),
        }
        for name, images in shifted_val.items():
            shifted_pred = run_tflite(staged, images, threads)[0].argmax(1)
            metrics["validation"][name] = summary(score(y_val, shifted_pred, run.labels))
        if unknown_images:
            metrics["unknown"] = {"classes": run.unknown}
            for split, images in unknown_images.items():
                probs = run_tflite(staged, images, threads)[0]
                metrics["unknown"][split] = routing.route_unknown(
                    probs, run.labels, THRESHOLD, DECISION.fallback
                )
        doc = sidecar.build(run, staged, VARIANTS[variant], tensors["output"], metrics)
        passed = metrics["accuracy_drop_points"] <= max_drop
        if passed:
            os.replace(staged, final)
            sidecar.write(final, doc)
            staged.with_suffix(".json").unlink()
            shutil.copyfile(run_dir / "split.csv", final.with_suffix(".split.csv"))
            # a re-measured model keeps its training runs' curves and reports, not the rebuild's
            _write_report(final, run_dir, run.labels, scores, variant, routes, measure is None)
        else:
            sidecar.write(staged, doc)
            ok = False
        results[variant] = (final if passed else staged, doc, convert_s, passed)

    _print_report(run.labels, float_summary, float_ms, results, max_drop)
    return ok


def _write_report(
    model_path: Path,
    run_dir: Path,
    labels: list[str],
    scores: dict,
    variant: str,
    routes: list[dict],
    copy_training: bool,
) -> None:
    """`<stem>.report/`: this model's own test-split report, confusion matrix and routing against
    the confidence threshold, beside the training run's curves, report and metrics (copied from
    `run_dir` with `copy_training`, else kept as they are)."""
    folder = model_path.with_suffix(".report")
    folder.mkdir(exist_ok=True)
    (folder / "classification_report.txt").write_text(
        f"{model_path.name} ({variant}, TFLite) on the test split of {run_dir}\n\n"
        + scores["report"]
    )
    plots.plot_confusion(
        scores["confusion_matrix"],
        labels,
        folder / "confusion_matrix.png",
        f"{model_path.name}: test split, accuracy {scores['accuracy']:.2%}",
    )
    plots.plot_routing(
        routes,
        THRESHOLD,
        folder / "routing.png",
        f"{model_path.name}: where the test items would land",
    )
    for name, dest in (
        ("curves.png", "training_curves.png"),
        ("report.txt", "training_report.txt"),
        ("metrics.json", "training_metrics.json"),
    ):
        if copy_training and (run_dir / name).is_file():
            shutil.copyfile(run_dir / name, folder / dest)


def _print_report(
    labels: list[str], flt: dict, float_ms: float, results: dict, max_drop: float
) -> None:
    names = list(results)
    columns = {"keras float": flt, **{v: results[v][1]["metrics"]["tflite"] for v in names}}
    rows = summary_rows(columns, labels)
    rows.append(
        ("agreement", "-", *(f"{results[v][1]['metrics']['agreement']:.4f}" for v in names))
    )
    val = [results[v][1]["metrics"]["validation"] for v in names]
    rows.append(
        (
            "val accuracy",
            f"{val[0]['float']['accuracy']:.4f}",
            *(f"{m['tflite']['accuracy']:.4f}" for m in val),
        )
    )
    rows.append(("val agreement", "-", *(f"{m['agreement']:.4f}" for m in val)))
    for key, title in shift.TITLES.items():
        rows.append((f"val, {title}", "-", *(f"{m[key]['accuracy']:.4f}" for m in val)))
    for key, name in (("wrong_recyclable", "wrong recyclable"), ("uncertain", "uncertain")):
        rows.append(
            (
                f"{name} @{THRESHOLD:g}",
                "-",
                *(f"{results[v][1]['metrics']['routing'][key]:.4f}" for v in names),
            )
        )
    for split in ("val", "test"):
        unknown = [results[v][1]["metrics"].get("unknown", {}).get(split) for v in names]
        if all(unknown):
            rows.append(
                (
                    f"{split}, unknown to a recyclable @{THRESHOLD:g}",
                    "-",
                    *(f"{u['to_recyclable']:.4f}" for u in unknown),
                )
            )
    rows.append(
        ("size (bytes)", "-", *(str(results[v][1]["metrics"]["size_bytes"]) for v in names))
    )
    rows.append(
        (
            "ms / image",
            f"{float_ms:.1f} (batch 32)",
            *(f"{results[v][1]['metrics']['mean_invoke_ms']:.1f}" for v in names),
        )
    )
    rows.append(("convert s", "-", *(f"{results[v][2]:.0f}" for v in names)))
    print(
        f"\ntest split, {results[names[0]][1]['metrics']['n_test']} images "
        f"(interpreter: device.model.Classifier)"
    )
    print_table(rows)
    for v in names:
        path, doc, _, passed = results[v]
        drop = doc["metrics"]["accuracy_drop_points"]
        verdict = "ok" if passed else f"FAILED: more than --max-drop {max_drop} points"
        print(f"{v}: {path} (+ .json), accuracy drop {drop:+.2f} points: {verdict}")
