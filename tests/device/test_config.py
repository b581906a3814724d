"""Configuration: documented defaults, and one-line errors (exit 2) for each kind of mistake."""

import dataclasses
import tomllib

import numpy as np
import pytest

from device import config
from device.__main__ import main
from device.decision import Decider
from device.errors import UserError

EXAMPLE = config.ROOT / "device" / "config.example.toml"


def test_example_file_documents_exactly_the_defaults():
    example = dataclasses.replace(config.load(EXAMPLE), source="")
    assert example == dataclasses.replace(config.load(None), source="")


def test_example_file_spells_out_every_key():
    data = tomllib.loads(EXAMPLE.read_text())
    for section, cls in config.SECTIONS.items():
        assert sorted(data[section]) == sorted(f.name for f in dataclasses.fields(cls)), section
    for servo in data["servos"].values():
        assert sorted(servo) == sorted(f.name for f in dataclasses.fields(config.ServoConfig))


def test_state_dir_comes_from_systemd_when_unset(monkeypatch, tmp_path):
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path))
    assert config.load(None).state_dir == tmp_path
    cfg = config.parse({"state": {"dir": "/srv/bin"}}, "x.toml")
    assert str(cfg.state_dir) == "/srv/bin"


def test_relative_paths_are_under_the_install_folder():
    cfg = config.parse({"model": {"path": "models/m.tflite"}}, "x.toml")
    assert cfg.model_path == config.ROOT / "models" / "m.tflite"


def test_flap_per_compartment_layout_is_expressible():
    servos = {f"flap{i}": {"pin": 5 + i, "home": -90.0} for i in range(5)}
    routes = {
        name: [{"servo": f"flap{i}", "angle": 0.0, "hold_s": 0.8}]
        for i, name in enumerate(config.LABELS)
    }
    cfg = config.parse({"servos": servos, "routes": routes}, "flaps.toml")
    assert [m.servo for m in cfg.routes["plastic"]] == ["flap3"]


def test_labels_may_share_a_compartment():
    """A six-class model's glass goes to trash in a five-compartment bin, confidently or not."""
    compartments = {name: name for name in config.LABELS} | {"glass": "trash"}
    cfg = config.parse({"compartments": compartments}, "glass.toml")
    labels = ["cardboard", "glass", "metal", "paper", "plastic", "trash"]
    decider = Decider(labels, cfg.compartments, threshold=0.6)
    decider.add(np.array([0.02, 0.9, 0.04, 0.01, 0.02, 0.01]))
    decision = decider.decide()
    assert (decision.label, decision.compartment, decision.uncertain) == ("glass", "trash", False)


CASES = {
    "unknown key": ("[camera]\nwidht = 640\n", "[camera] widht: unknown key; valid keys: type,"),
    "unknown section": ("[cameras]\nx = 1\n", "[cameras]: unknown section; valid sections:"),
    "wrong type": ('[camera]\nwidth = "640"\n', "[camera] width: must be an integer, got '640'"),
    "bool is not a number": ("[decision]\nvote_frames = true\n", "[decision] vote_frames"),
    "bad choice": ('[camera]\ntype = "usb"\n', "'usb' is not one of picamera2, opencv, replay"),
    "threshold above 1": ("[decision]\nconfidence_threshold = 1.5\n", "must be in [0, 1]"),
    "negative threshold": ("[presence]\nenter_threshold = -0.1\n", "[presence] enter_threshold"),
    "hysteresis reversed": (
        "[presence]\nenter_threshold = 0.02\nexit_threshold = 0.05\n",
        "[presence] exit_threshold: must be <= enter",
    ),
    "home out of range": ("[servos.chute]\npin = 12\nhome = 120.0\n", "[servos.chute] home"),
    "route angle out of range": (
        '[routes]\ntrash = [{servo = "chute", angle = 100.0}]\n',
        "[routes] trash[0] angle: 100 is out of range [-90, 90] of servo 'chute'",
    ),
    "unknown servo in route": (
        '[routes]\ntrash = [{servo = "flap", angle = 10.0}]\n',
        "unknown servo 'flap'; servos: chute, gate",
    ),
    "pin used twice": (
        '[servos.chute]\npin = 12\n[servos.gate]\npin = "GPIO12"\n',
        "[servos.gate] pin: GPIO12 is already used by [servos.chute] pin",
    ),
    "sensor pin used by a servo": (
        '[presence]\nmethod = "gpio"\npin = 13\n',
        "[servos.gate] pin: 13 is already used by [presence] pin",
    ),
    "compartment without route": (
        '[routes]\ntrash = [{servo = "chute", angle = 72.0}]\n',
        "[compartments] cardboard: compartment 'cardboard' has no route; routes: trash",
    ),
    "fallback without route": ('[decision]\nfallback = "bin"\n', "[decision] fallback"),
    "missing servo pin": ("[servos.chute]\nhome = 0.0\n", "[servos.chute] pin: missing"),
    "roi outside the frame": ("[roi]\nx = 0.5\nwidth = 0.8\n", "[roi] width"),
    "pulse widths reversed": (
        "[servos.chute]\npin = 12\nmin_pulse_ms = 2.0\nmax_pulse_ms = 1.0\n",
        "min_pulse_ms/max_pulse_ms",
    ),
    "empty route": ("[routes]\ntrash = []\n", "[routes] trash: must be a non-empty list"),
    "not toml": ("[camera\n", "not valid TOML"),
}


@pytest.mark.parametrize("text,expected", CASES.values(), ids=CASES.keys())
def test_mistakes_exit_2_with_one_line_naming_the_key(tmp_path, capsys, text, expected):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(UserError, match=None) as caught:
        config.load(path)
    assert expected in str(caught.value)
    assert main(["run", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {path}: ")
    assert expected in err


def test_missing_config_file(tmp_path, capsys):
    assert main(["servo-test", "--config", str(tmp_path / "nope.toml")]) == 2
    assert capsys.readouterr().err == f"error: config file not found: {tmp_path / 'nope.toml'}\n"
