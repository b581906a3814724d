"""`python -m device run` as a real process: signals, sd_notify, start-up errors."""

import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from device import config
from tests.device.conftest import config_text

ENV = {
    **os.environ,
    "GPIOZERO_PIN_FACTORY": "mock",
    "GPIOZERO_MOCK_PIN_CLASS": "mockpwmpin",
    "PYTHONUNBUFFERED": "1",
}


def routes(hold_s: dict[str, float]) -> str:
    lines = ["[routes]"]
    for name, angle in config.CHUTE_ANGLES.items():
        h = hold_s.get(name, 0.0)
        lines.append(
            f'{name} = [{{servo = "chute", angle = {angle}, hold_s = {h}}},'
            f' {{servo = "gate", angle = 90.0, hold_s = {h}}}]'
        )
    return "\n".join(lines) + "\n"


class Service:
    """The service in a subprocess; stderr lines collected by a thread."""

    def __init__(self, cfg_path, env=ENV):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "device", "run", "--config", str(cfg_path)],
            cwd=config.ROOT,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.proc.stderr:
            self._queue.put(line.rstrip("\n"))

    def wait_for(self, text, timeout=30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            self.lines.append(line)
            if text in line:
                return line
        raise AssertionError(f"no {text!r} in:\n" + "\n".join(self.lines))

    def finish(self, timeout=30.0) -> int:
        rc = self.proc.wait(timeout)
        time.sleep(0.1)
        while not self._queue.empty():
            self.lines.append(self._queue.get())
        return rc


def one_photo(tmp_path, samples, label="metal"):
    folder = tmp_path / "intake" / label
    folder.mkdir(parents=True)
    shutil.copy(samples / label / "0.jpg", folder)
    return tmp_path / "intake"


def test_sigterm_during_a_route_finishes_the_move_homes_detaches_exits_0(
    tiny_model, samples, tmp_path
):
    cfg = tmp_path / "config.toml"
    extra = routes({"metal": 3.0}) + "[router]\nhome_hold_s = 0.1\n"  # SIGTERM lands in the hold
    text = config_text(tiny_model, one_photo(tmp_path, samples), tmp_path / "state", extra)
    cfg.write_text(text.replace("[router]\nhome_hold_s = 0.0\n", ""))
    service = Service(cfg)
    service.wait_for("servo chute -> -36 deg (1.100 ms)")
    service.proc.send_signal(signal.SIGTERM)
    assert service.finish() == 0
    log = "\n".join(service.lines)
    assert "SIGTERM: finishing the current move" in log
    assert "skipping the rest of the metal route" in log
    assert "servo gate -> 90" not in log  # the second move never started
    after = log[log.index("SIGTERM") :]
    assert "servos home: chute 1.500 ms, gate 1.500 ms; detached: chute, gate" in after
    assert "servos released; detached: chute, gate" in after
    assert "Traceback" not in log


def test_sighup_reloads_between_items_and_refuses_a_bad_file(tiny_model, samples, tmp_path):
    cfg = tmp_path / "config.toml"
    text = config_text(tiny_model, one_photo(tmp_path, samples), tmp_path / "state")
    text = text.replace("replay_gap_frames = 3", "replay_gap_frames = 3\nreplay_loop = true")
    cfg.write_text(text)
    service = Service(cfg)
    try:
        service.wait_for("-> metal")
        cfg.write_text(text + "[decision]\nconfidence_threshold = 1.0\n")
        service.proc.send_signal(signal.SIGHUP)
        service.wait_for("reloaded: model tiny_int8.tflite")
        service.wait_for("-> trash (uncertain)")
        cfg.write_text(text + "[decision]\nconfidence_threshold = 2.0\n")
        service.proc.send_signal(signal.SIGHUP)
        service.wait_for("reload refused, still running the previous configuration")
        service.wait_for("-> trash (uncertain)")
    finally:
        service.proc.send_signal(signal.SIGTERM)
    assert service.finish() == 0


def test_sd_notify_ready_status_watchdog_stopping(tiny_model, samples, tmp_path):
    address = f"\0smartbin-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(address)
        sock.settimeout(5)
        cfg = tmp_path / "config.toml"
        cfg.write_text(config_text(tiny_model, one_photo(tmp_path, samples), tmp_path / "s"))
        env = {**ENV, "NOTIFY_SOCKET": "@" + address[1:], "WATCHDOG_USEC": "200000"}
        service = Service(cfg, env)
        assert service.finish() == 0  # the replay ends, the service stops by itself
        messages = []
        sock.settimeout(0.5)
        while True:
            try:
                messages.append(sock.recv(4096).decode())
            except TimeoutError:
                break
    assert messages[0].startswith("READY=1\nSTATUS=idle; 0 item(s) sorted")
    assert "WATCHDOG=1" in messages
    assert any(m.startswith("STATUS=") and "1 item(s) sorted" in m for m in messages)
    assert messages[-1] == "STOPPING=1"


@pytest.mark.parametrize(
    "change,expected",
    [
        ("model", "error: model not found: "),
        ("sidecar", "error: model sidecar not found: "),
        ("camera", "error: [camera] cannot open opencv camera 99"),
    ],
)
def test_start_errors_are_one_line_and_exit_2(tiny_model, samples, tmp_path, change, expected):
    model = tiny_model
    if change != "camera":
        model = tmp_path / "m.tflite"
        if change == "sidecar":
            shutil.copy(tiny_model, model)
    text = config_text(model, samples, tmp_path / "state")
    if change == "camera":
        text = text.replace('type = "replay"', 'type = "opencv"').replace(f'"{samples}"', "99")
    (tmp_path / "c.toml").write_text(text)
    service = Service(tmp_path / "c.toml")
    assert service.finish() == 2
    errors = [line for line in service.lines if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(expected), service.lines
    assert not any("Traceback" in line for line in service.lines)
