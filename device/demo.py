"""`python -m device demo`: the full loop on the bundled model, sample photos and mock servos.

The camera is a replay of `models/samples/<class>/*.jpg`, the servos are gpiozero mock pins
(with no hold times, as nothing physical moves) and the event log goes to a temporary folder.
"""

import dataclasses
import logging
import tempfile
from pathlib import Path

from device import config
from device.cameras.base import CameraError, EndOfStream
from device.cameras.replay import ReplayCamera
from device.cycle import STAGES, ItemResult, Sorter
from device.errors import UserError
from device.parts import build_parts

log = logging.getLogger(__name__)
DEFAULT_MODEL = config.ROOT / "models" / "smartbin_int8.tflite"
DEFAULT_SAMPLES = config.ROOT / "models" / "samples"
OVERHEAD_STAGES = ("capture", "presence", "preprocess", "decision", "log")


def demo_config(model: Path, samples: Path, threads: int | None, state_dir: Path) -> config.Config:
    """The default configuration, pointed at the demo's model, photos and state folder."""
    base = config.load(None)
    return config.validate(
        dataclasses.replace(
            base,
            model=dataclasses.replace(
                base.model, path=str(model), num_threads=threads or base.model.num_threads
            ),
            camera=dataclasses.replace(base.camera, type="replay", source=str(samples)),
            routes={
                name: tuple(dataclasses.replace(m, hold_s=0.0) for m in moves)
                for name, moves in base.routes.items()
            },
            router=dataclasses.replace(base.router, home_hold_s=0.0),
            state=dataclasses.replace(base.state, dir=str(state_dir)),
            source="demo",
        )
    )


class Report:
    """Prints one line per item and the summary; counts what went right."""

    def __init__(self, replay: ReplayCamera, compartments: dict[str, str]):
        self.replay, self.compartments = replay, compartments
        self.results: list[ItemResult] = []
        self.correct = self.known = 0

    def item(self, r: ItemResult) -> None:
        self.results.append(r)
        photo = self.replay.current
        expected = self.replay.expected_label(photo) if photo else None
        name = photo.relative_to(self.replay.folder).as_posix() if photo else "?"
        mark = ""
        if expected is not None:
            self.known += 1
            ok = r.decision.compartment == self.compartments.get(expected, expected)
            self.correct += ok
            mark = "ok" if ok else "WRONG"
        d = r.decision
        stages = " ".join(f"{s} {r.ms[s]:.1f}" for s in STAGES)
        print(
            f"{r.number:3d} {name:<28} expected {expected or '?':<9} predicted {d.label:<9}"
            f" {d.confidence:4.2f} -> {d.compartment:<9}{' uncertain' if d.uncertain else ''}"
            f" {mark:<5} ms: {stages}",
            flush=True,
        )

    def summary(self, sorter: Sorter) -> None:
        n = len(self.results)
        if not n:
            print("no items were sorted")
            return
        total = {s: sum(r.ms[s] for r in self.results) for s in STAGES}
        votes = sum(r.frames for r in self.results)
        uncertain = sum(r.decision.uncertain for r in self.results)
        print(
            f"items {n}, correct {self.correct}/{self.known}, uncertain {uncertain},"
            f" unreadable photos skipped {len(self.replay.skipped)}"
        )
        print(
            f"mean ms per item (frame stages summed over {votes / n:.1f} voted frames): "
            + ", ".join(f"{s} {total[s] / n:.2f}" for s in STAGES)
        )
        every = sorter.frame_ms
        print(
            f"all {sorter.frames} camera frames: capture {every['capture'] / sorter.frames:.3f},"
            f" presence {every['presence'] / sorter.frames:.3f} ms per frame"
        )
        if total["invoke"] > 0:
            overhead = sum(total[s] for s in OVERHEAD_STAGES)
            print(
                "overhead on voted frames: capture+presence+preprocess+decision+log ="
                f" {100 * overhead / total['invoke']:.1f}% of invoke time; whole loop / invoke ="
                f" {(overhead + total['invoke']) / total['invoke']:.3f} (servo moves excluded)"
            )


def run_demo(
    model: Path = DEFAULT_MODEL,
    samples: Path = DEFAULT_SAMPLES,
    limit: int | None = None,
    threads: int | None = None,
) -> int:
    """Sort every sample photo once; 0 when each was detected, classified and routed."""
    from gpiozero.pins.mock import MockFactory, MockPWMPin

    with tempfile.TemporaryDirectory(prefix="smartbin-demo-") as state:
        cfg = demo_config(model, samples, threads, Path(state))
        replay = ReplayCamera(
            samples,
            cfg.camera.width,
            cfg.camera.height,
            cfg.camera.fps,
            cfg.camera.replay_item_frames,
            cfg.camera.replay_gap_frames,
            limit=limit,
        )
        try:
            replay.open()
        except CameraError as exc:
            raise UserError(f"--samples: {exc}") from None
        parts = build_parts(cfg, camera=replay, pin_factory=MockFactory(pin_class=MockPWMPin))
        report = Report(replay, cfg.compartments)
        pr = cfg.presence
        sorter = Sorter(
            parts,
            pr.settle_s,
            pr.motion_threshold,
            pr.reset_timeout_s,
            cfg.decision.vote_frames,
            on_item=report.item,
        )
        print(
            f"demo: {parts.classifier.path} ({parts.classifier.input_size[1]}x"
            f"{parts.classifier.input_size[0]}), {len(replay.photos)} photos from {samples}"
        )
        failures = 0
        try:
            while True:
                try:
                    sorter.step()
                except EndOfStream:
                    break
                except Exception:
                    log.exception("item failed")
                    failures += 1
                    sorter.reset()
        finally:
            parts.close()
        report.summary(sorter)
    shown = len(replay.photos) - len(replay.skipped)
    if failures or len(report.results) != shown:
        print(
            f"FAILED: {shown} photos shown, {len(report.results)} items sorted, {failures} errors"
        )
        return 1
    return 0
