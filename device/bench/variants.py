"""Model variants beside the shipped model: smartbin_int8 -> smartbin_fp16 / smartbin_fp32.

The same naming rule as the convert stage's `variant_path` (device/ must not import convert/,
which imports TensorFlow).
"""

from pathlib import Path

from device.errors import UserError

VARIANTS = ("int8", "fp16", "fp32")


def variant_path(model: Path, variant: str) -> Path:
    """models/smartbin_int8.tflite -> models/smartbin_fp16.tflite (or <stem>_<variant>.tflite)."""
    if variant == "int8":
        return model
    stem = model.stem
    stem = stem.replace("int8", variant) if "int8" in stem else f"{stem}_{variant}"
    return model.with_name(stem + model.suffix)


def parse_variants(text: str) -> list[str]:
    """`int8,fp16` -> ["int8", "fp16"]; an unknown or empty list is a one-line UserError."""
    names = [v.strip() for v in text.split(",") if v.strip()]
    bad = [v for v in names if v not in VARIANTS]
    if bad or not names:
        unknown = ", ".join(bad) or "empty"
        raise UserError(f"--variants {text!r}: unknown {unknown}; valid: {', '.join(VARIANTS)}")
    return list(dict.fromkeys(names))


def resolve_models(model: Path, variants: list[str] | None) -> list[Path]:
    """The model files to benchmark (each with its sidecar, checked later by the Classifier).

    Named variants must all exist. Without names: the model and whichever of its fp16/fp32
    siblings exist (when its name says int8, as the convert stage names them), else the model alone.
    """
    if not model.is_file():
        raise UserError(f"--model {model}: not found (written by `make convert`)")
    if variants is None:
        if "int8" not in model.stem:
            return [model]
        return [p for p in (variant_path(model, v) for v in VARIANTS) if p.is_file()]
    paths = [variant_path(model, v) for v in variants]
    for v, p in zip(variants, paths, strict=True):
        if not p.is_file():
            raise UserError(
                f"--variants {v}: {p} not found (the convert stage writes it:"
                f" python -m convert RUN --out {model} --variants {','.join(variants)})"
            )
    return paths
