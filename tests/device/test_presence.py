"""Presence: hysteresis and adaptive background; the gpiozero sensor on a mock pin."""

import numpy as np
import pytest
from gpiozero.pins.mock import MockFactory

from device.presence import FrameDifference, Sensor


def grey(level: float) -> np.ndarray:
    return np.full((120, 160, 3), level, np.uint8)


def test_hysteresis_enter_above_enter_leave_below_exit():
    p = FrameDifference(enter=0.1, exit=0.05, rate=0.0)
    assert not p.update(grey(100)).present  # learns the empty intake
    assert not p.update(grey(100 + 0.08 * 255)).present  # below enter
    assert p.update(grey(100 + 0.12 * 255)).present  # above enter
    assert p.update(grey(100 + 0.07 * 255)).present  # between: stays present
    assert not p.update(grey(100 + 0.03 * 255)).present  # below exit: gone


def test_motion_is_the_difference_to_the_previous_frame():
    p = FrameDifference(enter=0.1, exit=0.05)
    p.update(grey(100))
    assert p.update(grey(151)).motion == pytest.approx(0.2, abs=1e-3)
    assert p.update(grey(151)).motion == 0.0


def test_background_follows_slow_light_changes_only_while_empty():
    p = FrameDifference(enter=0.1, exit=0.05, rate=0.5)
    p.update(grey(100))
    for level in range(100, 140, 2):  # dusk to dawn, 2 levels a frame
        assert not p.update(grey(level)).present
    assert p.update(grey(220)).present
    for _ in range(20):  # an item sitting there is not learnt as background
        assert p.update(grey(220)).present
    p.relearn()  # unless the cycle says so (intake never cleared)
    assert not p.update(grey(220)).present


def test_colour_change_at_equal_brightness_is_an_item():
    p = FrameDifference(enter=0.08, exit=0.04)
    p.update(grey(128))
    brown = np.zeros((120, 160, 3), np.uint8)
    brown[...] = (170, 120, 60)  # about the floor's brightness, not its colour
    assert p.update(brown).present


def test_sensor_presence_follows_the_pin_level():
    factory = MockFactory()
    sensor = Sensor(17, pull="up", present_when="low", pin_factory=factory)
    pin = factory.pin(17)
    assert not sensor.update(grey(100)).present  # pulled up: beam intact
    pin.drive_low()
    assert sensor.update(grey(100)).present
    pin.drive_high()
    assert not sensor.update(grey(100)).present
    sensor.close()
