"""Every configuration: model variants x interpreter threads x interpreter packages.

The packages installed in this Python are measured here, in this process; another Python (a
venv holding another package, e.g. tflite-runtime, which needs numpy < 2) runs the same benchmark
as a child process whose results are merged in.
"""

import json
import os
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from device import config
from device.bench import context
from device.bench.measure import Loop, Settings, measure
from device.cameras.base import Camera, CameraError
from device.cameras.factory import make_camera
from device.cameras.replay import ReplayCamera
from device.errors import UserError
from device.model import RUNTIMES, Classifier

SOURCES = ("replay", "camera")


@dataclass(frozen=True)
class Plan:
    """What to measure in this Python."""

    models: list[Path]
    threads: list[int]
    runtimes: list[str]
    source: str  # replay | camera
    samples: Path
    cfg: config.Config
    settings: Settings


def check_runtimes(wanted: list[str] | None) -> list[str]:
    """The packages to measure here: those named (each must be installed), else all installed."""
    installed = context.installed_runtimes()
    for name in wanted or []:
        if name not in RUNTIMES:
            raise UserError(f"--runtime {name!r}: not one of {', '.join(RUNTIMES)}")
        if name not in installed:
            raise UserError(
                f"--runtime {name}: not installed in this Python; installed here:"
                f" {', '.join(installed) or 'none'} (another Python: --python PATH)"
            )
    if not installed:
        raise UserError(f"no TFLite interpreter installed: pip install {' or '.join(RUNTIMES)}")
    return wanted or installed


def open_source(plan: Plan) -> Camera:
    """The frames: a looping replay of `plan.samples`, or the configured live camera."""
    cam = plan.cfg.camera
    if plan.source == "replay":
        camera: Camera = ReplayCamera(
            plan.samples,
            cam.width,
            cam.height,
            cam.fps,
            cam.replay_item_frames,
            cam.replay_gap_frames,
            loop=True,
        )
        where = "--samples"
    else:
        camera, where = make_camera(cam), f"--source camera ([camera] of {plan.cfg.source})"
    try:
        camera.open()
    except CameraError as exc:
        raise UserError(f"{where}: {exc}") from None
    return camera


def run_here(plan: Plan, progress: Callable[[dict[str, Any]], None]) -> list[dict[str, Any]]:
    """Measure every configuration in this process; `progress` sees each result as it is done."""
    env = context.environment()
    camera = open_source(plan)
    results = []
    try:
        for runtime in plan.runtimes:
            for model in plan.models:
                for threads in plan.threads:
                    clf = Classifier(model, threads, runtime)
                    before = context.snapshot()
                    measured = measure(Loop(camera, clf, plan.cfg), plan.settings)
                    h, w = clf.input_size
                    result = {
                        "variant": clf.sidecar.get("quantization", "unknown"),
                        "model": str(model),
                        "model_sha256": clf.sha256,
                        "sidecar_sha256": clf.sidecar.get("sha256"),
                        "input": f"{w}x{h}",
                        "runtime": runtime,
                        "runtime_version": env["runtimes"][runtime],
                        "threads": threads,
                        "environment": env,
                        "before": before,
                        "after": context.snapshot(),
                        **measured,
                    }
                    del clf  # one interpreter (and its thread pool) alive at a time
                    results.append(result)
                    progress(result)
    finally:
        camera.close()
    return results


def check_python(python: str) -> None:
    """Refuse, before measuring anything, a --python that cannot run."""
    if not (os.path.isfile(python) and os.access(python, os.X_OK)):
        raise UserError(f"--python {python}: not an executable file")


def run_in(python: str, argv: list[str]) -> list[dict[str, Any]]:
    """Run `python -m device bench ARGV` as a child and return its results."""
    with tempfile.TemporaryDirectory(prefix="smartbin-bench-") as tmp:
        out = Path(tmp) / "results.json"
        env = {**os.environ, "PYTHONPATH": str(config.ROOT)}
        cmd = [python, "-m", "device", "bench", *argv, "--out", str(out), "--results-only"]
        proc = subprocess.run(cmd, cwd=config.ROOT, env=env, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            lines = [x for x in proc.stderr.splitlines() if x.strip()]
            last = lines[-1].removeprefix("error: ") if lines else f"exit {proc.returncode}"
            raise UserError(f"--python {python}: {last}")
        return json.loads(out.read_text(encoding="utf-8"))["results"]
