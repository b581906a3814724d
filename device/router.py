"""Compartments -> servo moves through gpiozero AngularServo; home and detach after each item."""

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from device.config import Move, ServoConfig
from device.errors import UserError

log = logging.getLogger(__name__)


def _never() -> bool:
    return False


class Router:
    """Drives the configured servos. Servos send no pulses (detached) while idle."""

    def __init__(
        self,
        servos: Mapping[str, ServoConfig],
        routes: Mapping[str, Sequence[Move]],
        home_hold_s: float = 0.5,
        pin_factory: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        from gpiozero import AngularServo
        from gpiozero.exc import GPIOZeroError

        self.config, self.routes, self.home_hold_s, self.sleep = servos, routes, home_hold_s, sleep
        self.servos: dict[str, Any] = {}
        self.attached = False  # some servo is receiving pulses
        for name, s in servos.items():
            try:
                self.servos[name] = AngularServo(
                    s.pin,
                    initial_angle=None,  # no pulse until the first move
                    min_angle=s.min_angle,
                    max_angle=s.max_angle,
                    min_pulse_width=s.min_pulse_ms / 1000,
                    max_pulse_width=s.max_pulse_ms / 1000,
                    pin_factory=pin_factory,
                )
            except GPIOZeroError as exc:
                self.close()
                hint = " (set GPIOZERO_PIN_FACTORY=mock to run without GPIO)"
                raise UserError(f"[servos.{name}] pin {s.pin}: {exc}{hint}") from None

    def route(self, compartment: str, should_stop: Callable[[], bool] = _never) -> None:
        """Run the compartment's moves in order, then home and detach.

        When `should_stop()` turns true the move under way is finished and the rest skipped.
        """
        moves = self.routes[compartment]
        for i, move in enumerate(moves):
            self._move(move.servo, move.angle)
            self.sleep(move.hold_s)
            if should_stop() and i + 1 < len(moves):
                log.info("stop requested: skipping the rest of the %s route", compartment)
                break
        self.home()

    def home(self) -> None:
        """Every servo to its home angle, a moment to get there, then no more pulses."""
        for name, s in self.config.items():
            self.servos[name].angle = s.home
        pulses = ", ".join(f"{n} {self.pulse_ms(n):.3f} ms" for n in self.servos)
        self.sleep(self.home_hold_s)
        for servo in self.servos.values():
            servo.detach()
        self.attached = False
        detached = ", ".join(n for n, s in self.servos.items() if s.value is None)
        log.info("servos home: %s; detached: %s", pulses, detached)

    def pulse_ms(self, name: str) -> float | None:
        """The pulse width the servo's pin is sending now (None when detached)."""
        width = self.servos[name].pulse_width
        return None if width is None else width * 1000

    def close(self) -> None:
        """Release the pins, logging which servos were detached (read back from gpiozero)."""
        if not self.servos:
            return
        detached = [n for n, s in self.servos.items() if s.value is None]
        for servo in self.servos.values():
            servo.close()
        self.servos = {}
        log.info("servos released; detached: %s", ", ".join(detached) or "none")

    def _move(self, name: str, angle: float) -> None:
        self.attached = True
        self.servos[name].angle = angle
        log.info("servo %s -> %g deg (%.3f ms)", name, angle, self.pulse_ms(name))
