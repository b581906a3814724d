"""Reading a training run folder: its model, config, manifest and the photos the manifest names."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from train.errors import UserError
from train.images import decode_rgb, resize
from train.split import read_manifest

Frame = Callable[[np.ndarray], np.ndarray]  # a decoded photo, reframed (convert/shift.py)


@dataclass
class Run:
    """A training run: folder, config.json contents, manifest rows, data root."""

    path: Path
    config: dict
    rows: list[dict[str, str]]
    data_root: Path

    @property
    def labels(self) -> list[str]:
        return list(self.config["labels"])

    @property
    def unknown(self) -> list[str]:
        """Classes trained on as 'none of the labels' (`python -m train --unknown`)."""
        return list(self.config.get("unknown", []))

    @property
    def input(self) -> dict:
        return dict(self.config["input"])

    def manifest_sha256(self) -> str:
        return hashlib.sha256((self.path / "split.csv").read_bytes()).hexdigest()

    def rows_of(self, split: str, unknown: bool = False) -> list[dict[str, str]]:
        """The manifest rows of `split`: of the labels, or with `unknown` of the unknown classes."""
        wanted = self.unknown if unknown else self.labels
        return [r for r in self.rows if r["split"] == split and r["label"] in wanted]

    def load(
        self, rows: list[dict[str, str]], desc: str, frame: Frame | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Photos of the given manifest rows at model size (N×H×W×3 uint8) and label indices."""
        return load_rows(rows, self.data_root, self.labels, self.input, desc, frame)


def load_rows(
    rows: list[dict[str, str]],
    root: Path,
    labels: list[str],
    model_input: dict,
    desc: str,
    frame: Frame | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The photos of manifest rows under `root`, each reframed by `frame` if given (as another
    camera would frame it, `convert/shift.py`), then sized as `model_input` (a sidecar's or run's
    `input`) says (N×H×W×3 uint8), and their label indices; a progress bar while loading."""
    h, w, rule = model_input["height"], model_input["width"], model_input.get("resize", "stretch")
    frame = frame or (lambda rgb: rgb)
    images = np.stack(
        [
            resize(frame(decode_rgb(root / r["path"])), h, w, rule)
            for r in tqdm(rows, desc=desc, unit="img", leave=False)
        ]
    )
    # rows of an unknown class get index len(labels), as in training
    return images, np.array(
        [labels.index(r["label"]) if r["label"] in labels else len(labels) for r in rows]
    )


def open_run(run_dir: Path, data_root: Path | None = None) -> Run:
    """Check a run folder and the data its manifest names; one-line errors for what is missing."""
    if not (run_dir / "model.keras").is_file():
        raise UserError(
            f"no trained model in run folder {run_dir} (expected {run_dir}/model.keras)"
        )
    for name in ("config.json", "split.csv"):
        if not (run_dir / name).is_file():
            raise UserError(
                f"run folder {run_dir} lacks {name}; was it written by `python -m train`?"
            )
    config = json.loads((run_dir / "config.json").read_text())
    root = data_root or Path(config["data_root"])
    rows = read_manifest(run_dir / "split.csv")
    check_rows(rows, config["labels"] + config.get("unknown", []), root, run_dir / "split.csv")
    return Run(run_dir, config, rows, root)


def check_rows(rows: list[dict[str, str]], labels: list[str], root: Path, manifest: Path) -> None:
    """Every row's class is one of `labels` (with any unknown classes) and its photo is still
    under `root`; one-line errors."""
    for r in rows:
        if r["label"] not in labels:
            raise UserError(
                f"{manifest} names class {r['label']!r}, not one of the model's classes"
            )
        if not (root / r["path"]).is_file():
            raise UserError(
                f"data root {root} no longer holds {r['path']} from {manifest} "
                "(pass --data to point at the photos)"
            )
