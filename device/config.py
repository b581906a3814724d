"""The bin's configuration: one TOML file -> frozen dataclasses with defaults, validated at start.

Every mistake becomes a one-line `UserError` naming the file, the key and the valid choices.
Relative paths are relative to the smartbin install folder (the one holding `device/`), so the
same file works from a checkout and from /opt/smartbin.
"""

import os
import tomllib
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from types import UnionType
from typing import Any

from device.errors import UserError
from device.preprocess import Roi

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STATE_DIR = "/var/lib/smartbin"
SERVO_FRAME_MS = 20.0  # gpiozero's default servo frame width (50 Hz)


@dataclass(frozen=True)
class ModelConfig:
    path: str = "models/smartbin_int8.tflite"
    num_threads: int = 4


@dataclass(frozen=True)
class CameraConfig:
    type: str = "picamera2"
    source: int | str = 0
    width: int = 448
    height: int = 448
    fps: float = 10.0
    reopen_initial_s: float = 0.5
    reopen_max_s: float = 30.0
    stall_s: float = 3.0
    replay_item_frames: int = 12
    replay_gap_frames: int = 6
    replay_loop: bool = False


@dataclass(frozen=True)
class PresenceConfig:
    method: str = "frames"
    enter_threshold: float = 0.08
    exit_threshold: float = 0.04
    motion_threshold: float = 0.02
    settle_s: float = 0.4
    background_rate: float = 0.05
    reset_timeout_s: float = 10.0
    thumbnail_width: int = 80
    pin: int | str = ""
    pull: str = "up"
    present_when: str = "high"


@dataclass(frozen=True)
class DecisionConfig:
    vote_frames: int = 3
    confidence_threshold: float = 0.6
    fallback: str = "trash"


@dataclass(frozen=True)
class ServoConfig:
    pin: int | str
    min_angle: float = -90.0
    max_angle: float = 90.0
    min_pulse_ms: float = 0.5
    max_pulse_ms: float = 2.5
    home: float = 0.0


@dataclass(frozen=True)
class Move:
    servo: str
    angle: float
    hold_s: float = 0.5


@dataclass(frozen=True)
class RouterConfig:
    home_hold_s: float = 0.5


@dataclass(frozen=True)
class StateConfig:
    dir: str = ""
    capture_uncertain: bool = True
    capture_max_mb: float = 200.0
    jpeg_quality: int = 90


@dataclass(frozen=True)
class LogConfig:
    level: str = "info"


LABELS = ("cardboard", "metal", "paper", "plastic", "trash")
CHUTE_ANGLES = {"cardboard": -72.0, "metal": -36.0, "paper": 0.0, "plastic": 36.0, "trash": 72.0}


def _default_servos() -> dict[str, ServoConfig]:
    return {"chute": ServoConfig(pin=12), "gate": ServoConfig(pin=13)}


def _default_routes() -> dict[str, tuple[Move, ...]]:
    return {
        name: (Move("chute", angle, 0.5), Move("gate", 90.0, 0.6))
        for name, angle in CHUTE_ANGLES.items()
    }


@dataclass(frozen=True)
class Config:
    model: ModelConfig = field(default_factory=ModelConfig)
    camera: CameraConfig = field(default_factory=CameraConfig)
    roi: Roi = field(default_factory=Roi)
    presence: PresenceConfig = field(default_factory=PresenceConfig)
    decision: DecisionConfig = field(default_factory=DecisionConfig)
    compartments: dict[str, str] = field(default_factory=lambda: {n: n for n in LABELS})
    servos: dict[str, ServoConfig] = field(default_factory=_default_servos)
    routes: dict[str, tuple[Move, ...]] = field(default_factory=_default_routes)
    router: RouterConfig = field(default_factory=RouterConfig)
    state: StateConfig = field(default_factory=StateConfig)
    log: LogConfig = field(default_factory=LogConfig)
    source: str = "<defaults>"

    @property
    def model_path(self) -> Path:
        return resolve(self.model.path)

    @property
    def state_dir(self) -> Path:
        """`[state] dir`, else systemd's $STATE_DIRECTORY, else /var/lib/smartbin."""
        configured = self.state.dir or os.environ.get("STATE_DIRECTORY", "").split(":")[0]
        return resolve(configured or DEFAULT_STATE_DIR)


def resolve(path: str | Path) -> Path:
    """An absolute path as is; a relative one under the install folder."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else ROOT / p


def normalize_pin(pin: int | str) -> str:
    """One spelling per BCM pin (12, "12", "GPIO12", "BCM12" -> "GPIO12") to spot duplicates."""
    text = str(pin).strip().upper()
    for prefix in ("GPIO", "BCM"):
        if text.startswith(prefix) and text[len(prefix) :].isdigit():
            text = text[len(prefix) :]
    return f"GPIO{int(text)}" if text.isdigit() else text


SECTIONS = {
    "model": ModelConfig,
    "camera": CameraConfig,
    "roi": Roi,
    "presence": PresenceConfig,
    "decision": DecisionConfig,
    "router": RouterConfig,
    "state": StateConfig,
    "log": LogConfig,
}
TABLES = ("compartments", "servos", "routes")
CHOICES = {
    ("camera", "type"): ("picamera2", "opencv", "replay"),
    ("presence", "method"): ("frames", "gpio"),
    ("presence", "pull"): ("up", "down", "none"),
    ("presence", "present_when"): ("high", "low"),
    ("log", "level"): ("debug", "info", "warning", "error"),
}
TYPE_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


class _Checker:
    """Builds dataclasses from TOML tables, raising one-line errors that name the file and key."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, key: str, message: str) -> UserError:
        return UserError(f"{self.source}: {key}: {message}")

    def require(self, ok: bool, key: str, message: str) -> None:
        if not ok:
            raise self.fail(key, message)

    def value(self, raw: Any, kind: Any, key: str) -> Any:
        kinds = kind.__args__ if isinstance(kind, UnionType) else (kind,)
        for k in kinds:
            if k is bool and isinstance(raw, bool):
                return raw
            if k is int and isinstance(raw, int) and not isinstance(raw, bool):
                return raw
            if k is float and isinstance(raw, int | float) and not isinstance(raw, bool):
                return float(raw)
            if k is str and isinstance(raw, str):
                return raw
        wanted = " or ".join(TYPE_NAMES[k] for k in kinds)
        raise self.fail(key, f"must be {wanted}, got {raw!r}")

    def build(self, cls: type, table: Any, where: str) -> Any:
        self.require(isinstance(table, dict), f"[{where}]", "must be a table")
        names = [f.name for f in fields(cls)]
        unknown = sorted(set(table) - set(names))
        if unknown:
            valid = ", ".join(names)
            raise self.fail(f"[{where}] {unknown[0]}", f"unknown key; valid keys: {valid}")
        kwargs = {}
        for f in fields(cls):
            key = f"[{where}] {f.name}"
            if f.name in table:
                kwargs[f.name] = self.value(table[f.name], f.type, key)
                choices = CHOICES.get((where, f.name))
                if choices and kwargs[f.name] not in choices:
                    raise self.fail(key, f"{kwargs[f.name]!r} is not one of {', '.join(choices)}")
            elif f.default is MISSING and f.default_factory is MISSING:
                raise self.fail(key, "missing (required)")
        return cls(**kwargs)

    def named_tables(self, table: Any, where: str) -> dict[str, Any]:
        ok = isinstance(table, dict) and bool(table)
        self.require(ok, f"[{where}]", "must be a non-empty table")
        return table


def load(path: str | Path | None = None) -> Config:
    """Read and validate a config file; None gives the defaults."""
    if path is None:
        return validate(Config())
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"config file not found: {p}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read config file {p}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{p}: not valid TOML: {exc}") from None
    return parse(data, str(p))


def parse(data: dict[str, Any], source: str) -> Config:
    """Turn a parsed TOML document into a validated Config."""
    c = _Checker(source)
    valid = [*SECTIONS, *TABLES]
    unknown = sorted(set(data) - set(valid))
    if unknown:
        raise c.fail(f"[{unknown[0]}]", f"unknown section; valid sections: {', '.join(valid)}")
    kwargs: dict[str, Any] = {
        name: c.build(cls, data[name], name) for name, cls in SECTIONS.items() if name in data
    }
    if "compartments" in data:
        table = c.named_tables(data["compartments"], "compartments")
        kwargs["compartments"] = {
            label: c.value(v, str, f"[compartments] {label}") for label, v in table.items()
        }
    if "servos" in data:
        table = c.named_tables(data["servos"], "servos")
        kwargs["servos"] = {n: c.build(ServoConfig, t, f"servos.{n}") for n, t in table.items()}
    if "routes" in data:
        table = c.named_tables(data["routes"], "routes")
        routes = {}
        for name, moves in table.items():
            c.require(
                isinstance(moves, list) and bool(moves),
                f"[routes] {name}",
                'must be a non-empty list of moves like {servo = "gate", angle = 90, hold_s = 0.5}',
            )
            routes[name] = tuple(
                c.build(Move, m, f"routes.{name}[{i}]") for i, m in enumerate(moves)
            )
        kwargs["routes"] = routes
    return validate(Config(**kwargs, source=source))


def validate(cfg: Config) -> Config:
    """Cross-field checks: ranges, pins, routes; returns cfg unchanged when it is sound."""
    c = _Checker(cfg.source)
    req = c.require
    req(cfg.model.num_threads >= 1, "[model] num_threads", "must be at least 1")
    cam = cfg.camera
    req(cam.width >= 16 and cam.height >= 16, "[camera] width/height", "must be at least 16")
    req(cam.fps > 0, "[camera] fps", "must be positive")
    req(cam.reopen_initial_s > 0, "[camera] reopen_initial_s", "must be positive")
    req(cam.reopen_max_s >= cam.reopen_initial_s, "[camera] reopen_max_s", "must be >= initial")
    req(cam.stall_s > 0, "[camera] stall_s", "must be positive")
    req(cam.replay_item_frames >= 1, "[camera] replay_item_frames", "must be at least 1")
    req(cam.replay_gap_frames >= 1, "[camera] replay_gap_frames", "must be at least 1")
    if cam.type == "replay":
        req(cam.source != "", "[camera] source", "replay needs an image folder")
    roi = cfg.roi
    for name in ("x", "y", "width", "height"):
        req(0.0 <= getattr(roi, name) <= 1.0, f"[roi] {name}", "must be a fraction in [0, 1]")
    req(roi.width > 0 and roi.x + roi.width <= 1, "[roi] width", "x + width must be in (0, 1]")
    req(roi.height > 0 and roi.y + roi.height <= 1, "[roi] height", "y + height must be in (0, 1]")
    pr = cfg.presence
    for name in ("enter_threshold", "exit_threshold", "motion_threshold", "background_rate"):
        req(0.0 <= getattr(pr, name) <= 1.0, f"[presence] {name}", "must be in [0, 1]")
    req(pr.exit_threshold <= pr.enter_threshold, "[presence] exit_threshold", "must be <= enter")
    req(pr.settle_s >= 0 and pr.reset_timeout_s > 0, "[presence] settle_s", "times must be >= 0")
    req(pr.thumbnail_width >= 8, "[presence] thumbnail_width", "must be at least 8")
    if pr.method == "gpio":
        req(pr.pin != "", "[presence] pin", 'method "gpio" needs the sensor pin')
    dec = cfg.decision
    req(dec.vote_frames >= 1, "[decision] vote_frames", "must be at least 1")
    req(
        0.0 <= dec.confidence_threshold <= 1.0,
        "[decision] confidence_threshold",
        "must be in [0, 1]",
    )
    _validate_servos(cfg, c)
    valid_routes = ", ".join(cfg.routes)
    for label, compartment in cfg.compartments.items():
        req(
            compartment in cfg.routes,
            f"[compartments] {label}",
            f"compartment {compartment!r} has no route; routes: {valid_routes}",
        )
    req(
        dec.fallback in cfg.routes,
        "[decision] fallback",
        f"compartment {dec.fallback!r} has no route; routes: {valid_routes}",
    )
    req(cfg.router.home_hold_s >= 0, "[router] home_hold_s", "must be >= 0")
    st = cfg.state
    req(st.capture_max_mb >= 0, "[state] capture_max_mb", "must be >= 0")
    req(1 <= st.jpeg_quality <= 100, "[state] jpeg_quality", "must be in 1..100")
    return cfg


def _validate_servos(cfg: Config, c: _Checker) -> None:
    used: dict[str, str] = {}
    if cfg.presence.method == "gpio":
        used[normalize_pin(cfg.presence.pin)] = "[presence] pin"
    for name, s in cfg.servos.items():
        key = f"[servos.{name}]"
        c.require(s.min_angle < s.max_angle, f"{key} min_angle", "must be less than max_angle")
        c.require(
            s.min_angle <= s.home <= s.max_angle,
            f"{key} home",
            f"angle {s.home:g} is out of range [{s.min_angle:g}, {s.max_angle:g}]",
        )
        c.require(
            0 < s.min_pulse_ms < s.max_pulse_ms < SERVO_FRAME_MS,
            f"{key} min_pulse_ms/max_pulse_ms",
            f"need 0 < min < max < {SERVO_FRAME_MS:g} ms",
        )
        pin = normalize_pin(s.pin)
        c.require(pin not in used, f"{key} pin", f"{s.pin} is already used by {used.get(pin)}")
        used[pin] = f"{key} pin"
    for compartment, moves in cfg.routes.items():
        for i, m in enumerate(moves):
            key = f"[routes] {compartment}[{i}]"
            servo = cfg.servos.get(m.servo)
            c.require(
                servo is not None,
                f"{key} servo",
                f"unknown servo {m.servo!r}; servos: {', '.join(cfg.servos)}",
            )
            c.require(
                servo.min_angle <= m.angle <= servo.max_angle,
                f"{key} angle",
                f"{m.angle:g} is out of range [{servo.min_angle:g}, {servo.max_angle:g}]"
                f" of servo {m.servo!r}",
            )
            c.require(m.hold_s >= 0, f"{key} hold_s", "must be >= 0")
