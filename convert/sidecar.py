"""The sidecar JSON beside every .tflite: the contract the device and outside tools read."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .runs import Run

FORMAT = 1


def build(run: Run, model_path: Path, quantization: str, output: dict, metrics: dict) -> dict:
    """Sidecar contents per docs/contracts.md for a model file already written."""
    data = model_path.read_bytes()
    return {
        "format": FORMAT,
        "labels": run.labels,
        "input": {**run.input, "dtype": "uint8" if quantization == "int8" else "float32"},
        "output": output,
        "quantization": quantization,
        "source": {
            "run": str(run.path),
            "preset": run.config.get("preset"),
            "data_root": str(run.data_root),
            "manifest_sha256": run.manifest_sha256(),
            "unknown": run.unknown,
        },
        "metrics": {**metrics, "size_bytes": len(data)},
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def write(model_path: Path, sidecar: dict) -> Path:
    path = model_path.with_suffix(".json")
    path.write_text(json.dumps(sidecar, indent=2) + "\n")
    return path
