"""The item cycle as an explicit state machine, advanced one camera frame at a time.

    idle --item appears--> present --still for settle_s--> settled --vote_frames classified-->
    classify --> route --> reset --intake empty again--> idle

An item that leaves before its vote is complete sends the cycle back to idle without routing;
an item that moves while being voted on goes back to present and settles again.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from device.cameras.base import Frame
from device.decision import Decision
from device.parts import Parts

log = logging.getLogger(__name__)
FRAME_STAGES = ("capture", "presence", "preprocess", "invoke")
STAGES = (*FRAME_STAGES, "decision", "route", "log")
SETTLE_EPSILON_S = 1e-6  # frame stamps like n / fps are not exact in binary


class Phase(Enum):
    IDLE = "idle"
    PRESENT = "present"
    SETTLED = "settled"
    CLASSIFY = "classify"
    ROUTE = "route"
    RESET = "reset"


@dataclass(frozen=True)
class ItemResult:
    """One routed item: the decision and the milliseconds spent per stage.

    The frame stages (capture, presence, preprocess, invoke) are summed over the voted frames.
    """

    number: int
    decision: Decision
    ms: dict[str, float]
    frames: int


def _never() -> bool:
    return False


class Sorter:
    """Drives camera -> presence -> preprocess -> classifier -> decision -> router -> event log."""

    def __init__(
        self,
        parts: Parts,
        settle_s: float,
        motion_threshold: float,
        reset_timeout_s: float,
        vote_frames: int,
        on_item: Callable[[ItemResult], None] | None = None,
        should_stop: Callable[[], bool] = _never,
    ):
        self.parts = parts
        self.settle_s, self.motion_threshold = settle_s, motion_threshold
        self.reset_timeout_s, self.vote_frames = reset_timeout_s, vote_frames
        self.on_item, self.should_stop = on_item, should_stop
        self.phase = Phase.IDLE
        self.items = 0
        self.frames = 0
        self.frame_ms = dict.fromkeys(FRAME_STAGES, 0.0)  # every frame, for reports
        self._item_ms = dict.fromkeys(STAGES, 0.0)
        self._since = 0.0  # still since (present), or routed at (reset)

    def step(self) -> bool:
        """Process one frame; False when the camera had none. EndOfStream ends a finite source."""
        p = self.parts
        t0 = time.perf_counter()
        frame = p.camera.read()
        t1 = time.perf_counter()
        if frame is None:
            return False
        reading = p.presence.update(frame.rgb)
        t2 = time.perf_counter()
        self.frames += 1
        ms = {"capture": (t1 - t0) * 1e3, "presence": (t2 - t1) * 1e3}
        still = reading.motion < self.motion_threshold

        if self.phase is Phase.IDLE and reading.present:
            self._enter(Phase.PRESENT, frame.t)
        elif self.phase is Phase.PRESENT:
            if not reading.present:
                log.info("item left before settling")
                self._enter(Phase.IDLE, frame.t)
            elif not still:
                self._since = frame.t
            elif frame.t - self._since >= self.settle_s - SETTLE_EPSILON_S:
                self._enter(Phase.SETTLED, frame.t)
        elif self.phase is Phase.RESET:
            if not reading.present:
                self._enter(Phase.IDLE, frame.t)
            elif frame.t - self._since > self.reset_timeout_s:
                waited = frame.t - self._since
                log.warning("intake not clear %.0f s after routing: new background", waited)
                p.presence.relearn()
                self._enter(Phase.IDLE, frame.t)

        if self.phase is Phase.SETTLED:
            if not reading.present:
                log.info("item left before it was classified")
                self._enter(Phase.IDLE, frame.t)
            elif not still:
                self._enter(Phase.PRESENT, frame.t)
            else:
                self._vote(frame, ms)
        self._add(self.frame_ms, ms)
        return True

    def reset(self) -> None:
        """Back to idle, dropping any vote in progress (after an error)."""
        self._enter(Phase.IDLE, 0.0)

    def _enter(self, phase: Phase, t: float) -> None:
        log.debug("%s -> %s", self.phase.value, phase.value)
        self.phase, self._since = phase, t
        if phase in (Phase.SETTLED, Phase.IDLE):
            self.parts.decider.clear()
            self._item_ms = dict.fromkeys(STAGES, 0.0)

    def _vote(self, frame: Frame, ms: dict[str, float]) -> None:
        p = self.parts
        t0 = time.perf_counter()
        x = p.preprocessor(frame.rgb)
        t1 = time.perf_counter()
        p.decider.add(p.classifier.invoke(x))
        t2 = time.perf_counter()
        ms["preprocess"], ms["invoke"] = (t1 - t0) * 1e3, (t2 - t1) * 1e3
        self._add(self._item_ms, ms)
        if p.decider.count >= self.vote_frames:
            self._finish(frame)

    def _finish(self, frame: Frame) -> None:
        p, ms = self.parts, self._item_ms
        frames = p.decider.count
        self.phase = Phase.CLASSIFY
        t0 = time.perf_counter()
        decision = p.decider.decide()
        t1 = time.perf_counter()
        self.phase = Phase.ROUTE
        log.info(
            "item %d: %s %.2f -> %s%s",
            self.items + 1,
            decision.label,
            decision.confidence,
            decision.compartment,
            " (uncertain)" if decision.uncertain else "",
        )
        p.router.route(decision.compartment, self.should_stop)
        t2 = time.perf_counter()
        ms["decision"], ms["route"] = (t1 - t0) * 1e3, (t2 - t1) * 1e3
        p.events.record(decision, ms, p.preprocessor.crop(frame.rgb))
        ms["log"] = (time.perf_counter() - t2) * 1e3
        self.items += 1
        result = ItemResult(self.items, decision, dict(ms), frames)
        self._enter(Phase.RESET, frame.t)
        if self.on_item is not None:
            self.on_item(result)

    @staticmethod
    def _add(total: dict[str, float], ms: dict[str, float]) -> None:
        for stage, value in ms.items():
            total[stage] += value
