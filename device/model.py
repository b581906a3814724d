"""The classifier: a sidecar-described TFLite model behind one LiteRT interpreter.

The sidecar (`<model>.json`, see docs/contracts.md) gives the labels, the input size and the
resize rule; the interpreter is created once and fed through preallocated buffers.
"""

import hashlib
import importlib
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from device.errors import UserError

log = logging.getLogger(__name__)
RESIZE_RULES = ("stretch", "center_crop")


# Interpreter packages, preferred first: on the same int8 MobileNetV2, tflite-runtime 2.14 was
# many times slower than ai-edge-litert (README "Performance", `python -m device bench`).
RUNTIMES = {
    "ai-edge-litert": "ai_edge_litert.interpreter",
    "tflite-runtime": "tflite_runtime.interpreter",
}


def interpreter_class(runtime: str | None = None) -> tuple[str, Any]:
    """(package, Interpreter) of `runtime` (a RUNTIMES key), else of the first one installed."""
    for name in [runtime] if runtime else RUNTIMES:
        try:
            return name, importlib.import_module(RUNTIMES[name]).Interpreter
        except ImportError:
            continue
    raise UserError(f"no TFLite interpreter: pip install {runtime or ' or '.join(RUNTIMES)}")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_sidecar(model_path: Path) -> dict[str, Any]:
    """Read and check `<model>.json`; every problem is a one-line UserError."""
    path = model_path.with_suffix(".json")
    try:
        sidecar = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"model sidecar not found: {path} (written by `make convert`)") from None
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read model sidecar {path}: {exc}") from None
    try:
        labels = sidecar["labels"]
        inp = sidecar["input"]
        int(inp["height"]), int(inp["width"])
        resize = inp.get("resize", "stretch")
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"{path}: missing or bad field {exc} (see docs/contracts.md)") from None
    if not labels or not all(isinstance(x, str) for x in labels):
        raise UserError(f"{path}: labels must be a non-empty list of names")
    if resize not in RESIZE_RULES:
        raise UserError(f"{path}: input.resize {resize!r} is not one of {', '.join(RESIZE_RULES)}")
    if inp.get("color", "RGB") != "RGB":
        raise UserError(f"{path}: input.color {inp.get('color')!r} is not supported (only RGB)")
    return sidecar


class Classifier:
    """`invoke(rgb uint8 HxWx3 or 1xHxWx3) -> probabilities`, one per label, dequantized."""

    def __init__(self, model_path: str | Path, num_threads: int = 4, runtime: str | None = None):
        path = Path(model_path)
        if not path.is_file():
            raise UserError(f"model not found: {path}")
        self.path = path
        self.sidecar = load_sidecar(path)
        self.labels: list[str] = list(self.sidecar["labels"])
        inp = self.sidecar["input"]
        self.input_size: tuple[int, int] = (int(inp["height"]), int(inp["width"]))
        self.resize: str = inp.get("resize", "stretch")
        self.sha256 = sha256_of(path)
        expected = self.sidecar.get("sha256")
        if expected and expected != self.sha256:
            raise UserError(f"{path} does not match its sidecar's sha256 (copied half-way?)")
        self.runtime, interpreter = interpreter_class(runtime)
        try:
            self.interpreter = interpreter(model_path=str(path), num_threads=num_threads)
            self.interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            raise UserError(f"cannot load model {path}: {str(exc).splitlines()[0]}") from None
        self._bind(path)

    def _bind(self, path: Path) -> None:
        (i,) = self.interpreter.get_input_details()
        (o,) = self.interpreter.get_output_details()
        h, w = self.input_size
        if tuple(i["shape"]) != (1, h, w, 3):
            raise UserError(
                f"{path}: input shape {tuple(i['shape'])} differs from the sidecar's 1x{h}x{w}x3"
            )
        if tuple(o["shape"]) != (1, len(self.labels)):
            raise UserError(
                f"{path}: {int(np.prod(o['shape']))} outputs but {len(self.labels)} labels"
                f" ({', '.join(self.labels)}) in the sidecar"
            )
        self._input_index, self._output_index = i["index"], o["index"]
        # float variants take float32 0-255: cast into one buffer kept for the process
        self._cast = None if i["dtype"] == np.uint8 else np.empty((1, h, w, 3), i["dtype"])
        scale, zero_point = o["quantization"]
        self._scale = np.float32(scale) if scale else None
        self._zero_point = np.float32(zero_point)
        side = self.sidecar.get("output", {})
        if self._scale is not None and side.get("scale") not in (None, scale):
            log.warning(
                "%s: sidecar output scale %s, tensor %s: using the tensor's",
                path,
                side.get("scale"),
                scale,
            )

    def invoke(self, rgb: np.ndarray) -> np.ndarray:
        """Probabilities (float32, one per label) for one preprocessed RGB uint8 image."""
        x = rgb if rgb.ndim == 4 else rgb[None]
        if self._cast is not None:
            np.copyto(self._cast, x, casting="unsafe")
            x = self._cast
        self.interpreter.set_tensor(self._input_index, x)
        self.interpreter.invoke()
        out = self.interpreter.get_tensor(self._output_index)[0]
        if self._scale is None:
            return out.astype(np.float32)
        return (out.astype(np.float32) - self._zero_point) * self._scale
