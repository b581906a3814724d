"""servo-test and export-captures as a user runs them."""

import subprocess
import sys

import numpy as np

from device import config
from device.events import EventLog
from tests.device.test_events import decision
from tests.device.test_service import ENV, routes


def run(*args, env=ENV):
    return subprocess.run(
        [sys.executable, "-m", "device", *args],
        cwd=config.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_servo_test_steps_through_every_compartment(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(routes({}) + "[router]\nhome_hold_s = 0.0\n")
    result = run("servo-test", "--config", str(cfg), "--pause", "0")
    assert result.returncode == 0, result.stderr
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == list(config.LABELS)
    assert "servo chute -> 72 deg (2.300 ms)" in result.stderr
    assert result.stderr.count("detached: chute, gate") == 5 + 1  # after each route, at release
    bad = run("servo-test", "--config", str(cfg), "--compartment", "glass")
    assert bad.returncode == 2 and "not one of cardboard, metal" in bad.stderr


def test_export_captures_writes_unlabelled_frames(tmp_path):
    log = EventLog(tmp_path / "state")
    log.record(decision("metal", 0.3, uncertain=True), {}, np.zeros((40, 40, 3), np.uint8))
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[state]\ndir = "{tmp_path / "state"}"\n')
    result = run("export-captures", str(tmp_path / "out"), "--config", str(cfg))
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "out" / "unlabelled").glob("*.jpg"))) == 1
