"""`python -m device run`: the sorting loop as a systemd service.

SIGTERM/SIGINT finish the servo move under way, home and detach the servos, close the camera and
exit 0. SIGHUP reloads the configuration and the model between items. Errors inside the loop are
logged and the loop goes on (never a crash loop); only start-up mistakes exit (status 2).
"""

import logging
import signal
import time
from pathlib import Path
from types import FrameType
from typing import Any

from device import config
from device.cameras.base import EndOfStream
from device.cycle import Phase, Sorter
from device.errors import UserError
from device.notify import Notifier
from device.parts import Parts, build_parts, load_classifier

log = logging.getLogger(__name__)
NO_FRAME_WAIT_S = 0.02
ERROR_WAIT_S = 1.0


class Service:
    """Owns the parts, the signals and the systemd notifications."""

    def __init__(self, config_path: str | Path, pin_factory: Any = None):
        self.config_path = config_path
        self.pin_factory = pin_factory
        self.cfg = config.load(config_path)
        self.notifier = Notifier()
        self.stop_requested = False
        self.reload_requested = False
        self.parts: Parts = build_parts(self.cfg, pin_factory=pin_factory)
        self.sorter = self._sorter()

    def run(self) -> int:
        """Sort until a stop signal (or the end of a finite camera source); returns 0."""
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        signal.signal(signal.SIGHUP, self._on_reload)
        p = self.parts
        log.info(
            "sorting with %s (%s), camera %s, state in %s",
            p.classifier.path.name,
            ", ".join(p.classifier.labels),
            p.camera.name,
            self.cfg.state_dir,
        )
        self.notifier.ready(self._status())
        try:
            while not self.stop_requested:
                self.notifier.watchdog()
                if self.reload_requested and self.sorter.phase is Phase.IDLE:
                    self.reload_requested = False
                    self._reload()
                if not self._step():
                    time.sleep(NO_FRAME_WAIT_S)
                self.notifier.status(self._status())
        finally:
            self.notifier.stopping()
            self.parts.close()
            log.info("stopped after %d item(s)", self.sorter.items)
        return 0

    def _step(self) -> bool:
        try:
            return self.sorter.step()
        except EndOfStream as end:
            log.info("camera source ended: %s", end)
            self.stop_requested = True
        except Exception:
            log.exception("item cycle failed; servos homed, back to idle")
            self.sorter.reset()
            if self.parts.router.attached:
                self.parts.router.home()
            time.sleep(ERROR_WAIT_S)
        return True

    def _status(self) -> str:
        camera = getattr(self.parts.camera, "status", "")
        return f"{self.sorter.phase.value}; {self.sorter.items} item(s) sorted; {camera}"

    def _sorter(self) -> Sorter:
        pr = self.cfg.presence
        return Sorter(
            self.parts,
            pr.settle_s,
            pr.motion_threshold,
            pr.reset_timeout_s,
            self.cfg.decision.vote_frames,
            should_stop=lambda: self.stop_requested,
        )

    def _reload(self) -> None:
        log.info("reloading %s", self.config_path)
        try:
            cfg = config.load(self.config_path)
            classifier = load_classifier(cfg)
        except UserError as exc:
            log.error("reload refused, still running the previous configuration: %s", exc)
            return
        old_cfg, old = self.cfg, self.parts
        keep_camera = cfg.camera == old_cfg.camera
        old.close(keep_camera=keep_camera)
        try:
            self.parts = build_parts(
                cfg, classifier, old.camera if keep_camera else None, self.pin_factory
            )
            self.cfg = cfg
        except UserError as exc:
            log.error("reload failed, back to the previous configuration: %s", exc)
            self.parts = build_parts(
                old_cfg, old.classifier, old.camera if keep_camera else None, self.pin_factory
            )
        items = self.sorter.items
        self.sorter = self._sorter()
        self.sorter.items = items
        log.info(
            "reloaded: model %s, sha256 %s",
            self.parts.classifier.path.name,
            self.parts.classifier.sha256[:12],
        )

    def _on_stop(self, signum: int, _frame: FrameType | None) -> None:
        log.info("%s: finishing the current move, then stopping", signal.Signals(signum).name)
        self.stop_requested = True

    def _on_reload(self, _signum: int, _frame: FrameType | None) -> None:
        self.reload_requested = True
