"""One timed configuration: the loop's per-frame stages, each timed on its own.

Per frame, as the device loop does it: capture (`camera.read()`), presence (the thumbnail and
frame difference), preprocess (ROI + the sidecar's resize rule), invoke (the classifier, with its
dequantization), decision (add to the vote and decide). `frame` is all of them end to end.
"""

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from device.bench import stats
from device.bench.context import max_temperature, snapshot
from device.cameras.base import Camera, EndOfStream
from device.config import Config
from device.decision import Decider
from device.errors import UserError
from device.model import Classifier
from device.preprocess import Preprocessor
from device.presence import FrameDifference

STAGES = ("capture", "presence", "preprocess", "invoke", "decision")
TIMED = (*STAGES, "frame")
RAW = ("invoke", "frame")  # stages whose every sample is kept (for the distribution plot)
MAX_MISSED = 100  # consecutive frames a live camera may fail to deliver before we give up


@dataclass(frozen=True)
class Settings:
    """How long to measure each configuration."""

    frames: int = 200  # measured frames (after the warm-up) ...
    warmup: int = 10
    max_seconds: float = 20.0  # ... or this many seconds, whichever comes first
    duration: float | None = None  # sustained mode: measure this many seconds, however many frames
    windows: int = 20  # sustained mode: drift is reported over this many time windows


class Loop:
    """The device loop's per-frame work for one classifier, built from the same classes."""

    def __init__(self, camera: Camera, classifier: Classifier, cfg: Config):
        pr = cfg.presence
        self.camera, self.classifier = camera, classifier
        self.presence = FrameDifference(
            pr.enter_threshold, pr.exit_threshold, pr.background_rate, pr.thumbnail_width
        )
        self.preprocessor = Preprocessor(classifier.input_size, classifier.resize, cfg.roi)
        compartments = {label: cfg.compartments.get(label, label) for label in classifier.labels}
        self.decider = Decider(
            classifier.labels,
            compartments,
            cfg.decision.confidence_threshold,
            cfg.decision.fallback,
        )
        self.missed = 0  # reads that returned no frame (live cameras)

    def frame(self) -> tuple[float, ...]:
        """One frame through every stage; the milliseconds of each, in STAGES order."""
        t0 = time.perf_counter()
        frame = self.camera.read()
        misses = 0
        while frame is None:  # waiting for a live camera counts as capture time
            misses += 1
            if misses > MAX_MISSED:
                raise UserError(f"{self.camera.name}: no frame in {MAX_MISSED} reads")
            frame = self.camera.read()
        self.missed += misses
        t1 = time.perf_counter()
        self.presence.update(frame.rgb)
        t2 = time.perf_counter()
        x = self.preprocessor(frame.rgb)
        t3 = time.perf_counter()
        probs = self.classifier.invoke(x)
        t4 = time.perf_counter()
        self.decider.add(probs)
        self.decider.decide()
        self.decider.clear()
        t5 = time.perf_counter()
        return tuple(1e3 * d for d in (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4))


def measure(loop: Loop, settings: Settings) -> dict[str, Any]:
    """Warm up, then time frames; per-stage summaries, fps, overhead and (sustained) drift."""
    try:
        for _ in range(settings.warmup):
            loop.frame()
        samples: list[tuple[float, ...]] = []
        windows: list[dict[str, Any]] = []
        sustained = settings.duration is not None
        limit = settings.duration if sustained else settings.max_seconds
        window_s = settings.duration / settings.windows if sustained else float("inf")
        start = next_window = time.perf_counter()
        next_window += window_s
        window_start = 0
        while True:
            samples.append(loop.frame())
            now = time.perf_counter()
            if now >= next_window:
                windows.append(_window(samples[window_start:], now - start))
                window_start, next_window = len(samples), next_window + window_s
            if now - start >= limit or (not sustained and len(samples) >= settings.frames):
                break
    except EndOfStream:
        raise UserError(f"{loop.camera.name} ended: benchmark a replay or a live camera") from None
    elapsed = time.perf_counter() - start
    if sustained and window_start < len(samples):
        windows.append(_window(samples[window_start:], elapsed))
    columns = dict(zip(STAGES, map(list, zip(*samples, strict=True)), strict=True))
    columns["frame"] = [sum(s) for s in samples]
    result: dict[str, Any] = {
        "frames": len(samples),
        "seconds": round(elapsed, 3),
        "stopped_at_max_seconds": not sustained and len(samples) < settings.frames,
        "missed_reads": loop.missed,
        "stages": {stage: stats.summarize(columns[stage]) for stage in TIMED},
        "fps": round(stats.fps(columns["frame"]), 2),
        "overhead": round(stats.overhead(columns["frame"], columns["invoke"]), 4),
        "samples_ms": {stage: [round(v, 3) for v in columns[stage]] for stage in RAW},
    }
    if sustained:
        first, last = windows[0]["frame_p50_ms"], windows[-1]["frame_p50_ms"]
        result["drift"] = {"windows": windows, "last_over_first": round(last / first, 3)}
    return result


def _window(samples: list[tuple[float, ...]], t_s: float) -> dict[str, Any]:
    """One sustained-mode window: its median latencies and the board's state at its end."""
    invoke = [s[STAGES.index("invoke")] for s in samples]
    snap = snapshot()
    return {
        "t_s": round(t_s, 2),
        "frames": len(samples),
        "frame_p50_ms": round(float(np.median([sum(s) for s in samples])), 3),
        "invoke_p50_ms": round(float(np.median(invoke)), 3),
        "temperature_c": max_temperature(snap),
        "throttled_now": (snap["throttled"] or {}).get("now"),
    }
