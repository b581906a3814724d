"""Router on gpiozero's MockFactory/MockPWMPin: exact pulse widths, home, detached."""

import math

import pytest
from gpiozero.pins.mock import MockFactory, MockPWMPin

from device import config
from device.router import Router

FRAME_S = 0.02


@pytest.fixture
def factory():
    f = MockFactory(pin_class=MockPWMPin)
    yield f
    f.reset()


def pulse_ms(servo: config.ServoConfig, angle: float) -> float:
    """The servo datasheet's linear map from angle to pulse width, written out independently."""
    span = (angle - servo.min_angle) / (servo.max_angle - servo.min_angle)
    return servo.min_pulse_ms + span * (servo.max_pulse_ms - servo.min_pulse_ms)


def pin_pulses(factory: MockFactory, pin: int) -> list[float]:
    """Pulse widths (ms) the pin went through, 0.0 meaning no pulses."""
    return [state.state * FRAME_S * 1000 for state in factory.pin(pin).states]


def dedup(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in values:
        if not out or not math.isclose(out[-1], v, abs_tol=1e-9):
            out.append(v)
    return out


@pytest.mark.parametrize("compartment", config.LABELS)
def test_each_route_sends_the_configured_pulses_in_order_then_home_then_nothing(
    factory, compartment
):
    cfg = config.load(None)
    holds = []
    router = Router(cfg.servos, cfg.routes, 0.25, factory, sleep=holds.append)
    for name in cfg.servos:
        factory.pin(cfg.servos[name].pin).clear_states()
    router.route(compartment)
    for name, servo in cfg.servos.items():
        moves = [m.angle for m in cfg.routes[compartment] if m.servo == name]
        expected = dedup(
            [0.0] + [pulse_ms(servo, a) for a in moves] + [pulse_ms(servo, servo.home)] + [0.0]
        )
        actual = pin_pulses(factory, servo.pin)
        assert actual == pytest.approx(expected, abs=1e-6), name
        assert factory.pin(servo.pin).frequency is None  # detached: no pulses at all
        assert router.servos[name].value is None
    assert not router.attached
    assert holds == [m.hold_s for m in cfg.routes[compartment]] + [0.25]
    router.close()


def test_moves_run_in_configured_order_across_servos(factory):
    servos = {"a": config.ServoConfig(pin=5), "b": config.ServoConfig(pin=6, home=-90.0)}
    routes = {
        "x": (config.Move("b", 45.0, 0.0), config.Move("a", -30.0, 0.0), config.Move("b", 0.0, 0.0))
    }
    order = []
    router = Router(
        servos,
        routes,
        0.0,
        factory,
        sleep=lambda s: order.append((factory.pin(5).state * 20, factory.pin(6).state * 20)),
    )
    router.route("x")
    # after each move (one sleep per move, then one for home), the pins hold these pulse widths
    expected = [(0.0, 2.0), (1.1666667, 2.0), (1.1666667, 1.5), (1.5, 0.5)]
    assert [w for pair in order for w in pair] == pytest.approx([w for p in expected for w in p])


def test_stop_request_finishes_the_current_move_skips_the_rest_and_homes(factory):
    cfg = config.load(None)
    router = Router(cfg.servos, cfg.routes, 0.0, factory, sleep=lambda s: None)
    chute, gate = cfg.servos["chute"], cfg.servos["gate"]
    factory.pin(gate.pin).clear_states()
    router.route("metal", should_stop=lambda: True)
    assert pin_pulses(factory, chute.pin)[-2:] == pytest.approx([pulse_ms(chute, 0.0), 0.0])
    assert pin_pulses(factory, gate.pin) == pytest.approx([0.0, pulse_ms(gate, 0.0), 0.0])
    assert all(s.value is None for s in router.servos.values())


def test_start_moves_home_then_detaches_and_close_releases_pins(factory):
    cfg = config.load(None)
    router = Router(cfg.servos, cfg.routes, 0.0, factory)
    assert factory.pin(12).frequency is None  # created without a pulse
    router.home()
    assert pin_pulses(factory, 12) == pytest.approx([0.0, 1.5, 0.0])
    router.close()
    Router(cfg.servos, cfg.routes, 0.0, factory).close()  # pins free again
