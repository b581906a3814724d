"""End-to-end `make deploy`, `status`, `logs`, `undeploy` over a real sshd into a throwaway root."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from .conftest import JOURNAL_LINE, REPO, Bin, Sshd, host_arch

pytestmark = pytest.mark.slow
SYSTEM_NUMPY = Path("/usr/lib/python3/dist-packages/numpy")


@dataclass
class Make:
    """Runs a Makefile target of the checkout against the throwaway bin."""

    checkout: Path
    sshd: Sshd
    bin: Bin
    model: Path
    wheelhouse: Path

    def __call__(self, target: str, env: dict[str, str] | None = None, **make_vars: str):
        variables = {
            "PI": self.sshd.pi,
            "MODEL": str(self.model),
            "SUDO": "",
            "SSH_OPTS": self.sshd.ssh_opts,
        } | make_vars
        environ = {
            k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")
        }
        environ |= {
            "DEPLOY_ROOT": str(self.bin.root),
            "SYSTEMCTL": str(self.bin.systemctl),
            "APT_GET": str(self.bin.apt_get),
            "JOURNALCTL": str(self.bin.journalctl),
            "PI_ARCH": host_arch(),
            "PIP_EXTRA": f"--no-index --find-links {self.wheelhouse}",
            "REMOTE_STAGE": str(self.bin.stage),
            "READY_TIMEOUT": "10",
            "READY_SETTLE": "0",
        } | (env or {})
        args = [f"{k}={v}" for k, v in variables.items()]
        return subprocess.run(
            ["make", "--no-print-directory", "-C", str(self.checkout), target, *args],
            env=environ,
            capture_output=True,
            text=True,
            timeout=600,
        )


@pytest.fixture
def make(checkout, sshd, bin_, model, wheelhouse) -> Make:
    return Make(checkout, sshd, bin_, model, wheelhouse)


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def current(bin_: Bin) -> str:
    return os.readlink(bin_.path("/opt/smartbin/current"))


def test_deploy_redeploy_status_logs_undeploy(make, bin_, checkout):
    first = ok(make("deploy"))
    assert "running release" in first.stdout

    unit = bin_.path("/etc/systemd/system/smartbin.service")
    assert unit.read_text() == (checkout / "systemd" / "smartbin.service").read_text()
    exec_start = re.search(
        r"^ExecStart=(\S+) -m device run --config (\S+)$", unit.read_text(), re.M
    )
    python, config = bin_.path(exec_start[1]), bin_.path(exec_start[2])

    # The venv runs the deployed runtime (not the checkout's) with the pinned packages.
    probe = subprocess.run(
        [
            python,
            "-c",
            "import device, numpy, cv2, gpiozero, ai_edge_litert\n"
            "print(device.__file__, numpy.__file__, numpy.__version__)",
        ],
        cwd=bin_.root,
        capture_output=True,
        text=True,
    )
    assert probe.returncode == 0, probe.stderr
    device_file, numpy_file, numpy_version = probe.stdout.split()
    assert Path(device_file) == bin_.path("/opt/smartbin/current/device/__init__.py")
    assert int(numpy_version.split(".")[0]) < 2
    if SYSTEM_NUMPY.exists():  # as on the bin: apt's numpy is used, not shadowed by pip's
        assert Path(numpy_file).is_relative_to(SYSTEM_NUMPY.parent)
    cli = subprocess.run(
        [python, "-m", "device", "--help"], cwd=bin_.root, capture_output=True, text=True
    )
    assert cli.returncode == 0 and "servo-test" in cli.stdout, cli.stderr

    # Config from the example; its model path resolves inside the release (+ /opt/smartbin/models).
    assert config.read_text() == (checkout / "device" / "config.example.toml").read_text()
    model_path = tomllib.loads(config.read_text())["model"]["path"]
    assert (bin_.path("/opt/smartbin/current") / model_path).is_file()
    assert bin_.path("/opt/smartbin/models/smartbin_int8.json").is_file()
    # Only the runtime travels: no train/, convert/, tests or data.
    assert sorted(os.listdir(bin_.path("/opt/smartbin/current"))) == [
        "device",
        "models",
        "requirements-pi.txt",
        "smartbin.service",
        "venv",
    ]

    passwd = bin_.path("/etc/passwd").read_text()
    groups = bin_.path("/etc/group").read_text()
    assert re.search(
        r"^smartbin:x:\d+:\d+:[^:]*:/var/lib/smartbin:/usr/sbin/nologin$", passwd, re.M
    )
    for group in ("gpio", "video"):
        assert re.search(rf"^{group}:x:\d+:(.*,)?smartbin(,|$)", groups, re.M)
    assert "python3-picamera2" in bin_.apt_log.read_text()
    calls = bin_.systemctl_calls()
    for expected in (
        "daemon-reload",
        "enable --quiet smartbin.service",
        "restart smartbin.service",
    ):
        assert expected in calls

    release, unit_mtime = current(bin_), unit.stat().st_mtime_ns
    n_calls = len(calls)
    second = ok(make("deploy"))
    assert "rsync sent 0 change(s)" in second.stdout
    assert "nothing changed" in second.stdout
    assert current(bin_) == release
    assert unit.stat().st_mtime_ns == unit_mtime
    assert not [
        c
        for c in bin_.systemctl_calls()[n_calls:]
        if c.split()[0] in ("restart", "daemon-reload", "stop")
    ]

    status = ok(make("status"))
    assert f"release: {release}" in status.stdout
    assert "status --no-pager --lines=10 smartbin.service" in bin_.systemctl_calls()
    logs = ok(make("logs"))
    assert JOURNAL_LINE in logs.stdout

    state = bin_.path("/var/lib/smartbin/events.sqlite")
    state.parent.mkdir(parents=True)
    state.write_bytes(b"events")
    ok(make("undeploy"))
    assert "disable --now --quiet smartbin.service" in bin_.systemctl_calls()
    assert not unit.exists()
    assert not bin_.path("/opt/smartbin").exists()
    assert not bin_.stage.exists()
    assert state.read_bytes() == b"events", "undeploy keeps the state"
    assert config.exists()
    ok(make("undeploy", PURGE="1"))
    assert not state.parent.exists()
    assert not config.parent.exists()
    assert "smartbin:" not in bin_.path("/etc/passwd").read_text()


def test_edited_config_survives_and_a_failed_start_rolls_back(make, bin_, checkout):
    ok(make("deploy"))
    config = bin_.path("/etc/smartbin/config.toml")
    example = checkout / "device" / "config.example.toml"

    example.write_text(example.read_text() + "# second release\n")
    ok(make("deploy"))
    assert config.read_text() == example.read_text(), "an unedited config follows the example"

    edited = config.read_text() + "# tuned on this bin\n"
    config.write_text(edited)
    example.write_text(example.read_text() + "# third release\n")
    third = ok(make("deploy"))
    assert "kept your edited" in third.stdout
    assert config.read_text() == edited
    assert bin_.path("/etc/smartbin/config.toml.example").read_text() == example.read_text()
    good = current(bin_)

    init = checkout / "device" / "__init__.py"
    init.write_text(init.read_text() + "# fourth release, which never reports READY\n")
    failed = make("deploy", env={"SYSTEMCTL": str(bin_.systemctl_failing)})
    assert failed.returncode != 0
    assert "did not become ready" in failed.stderr
    assert JOURNAL_LINE in failed.stderr
    assert "rolled back" in failed.stdout
    assert current(bin_) == good
    assert config.read_text() == edited
    releases = os.listdir(bin_.path("/opt/smartbin/releases"))
    assert len(releases) == 3 and good.removeprefix("releases/") in releases


def test_several_bins_deploy_independently(make, bin_, sshd):
    result = make("deploy", PI=f"root@127.0.0.2 {sshd.pi}")
    assert result.returncode != 0
    assert "error: root@127.0.0.2: SSH failed" in result.stderr
    assert "deploy failed on root@127.0.0.2" in result.stderr
    assert f"{sshd.pi}: rsync sent" in result.stdout
    assert bin_.path("/etc/systemd/system/smartbin.service").exists()


def _wrong_os(bin_: Bin) -> dict:
    bin_.path("/etc/os-release").write_text(
        'PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\nID=debian\nVERSION_CODENAME=bullseye\n'
    )
    return {}


def _no_sudo(bin_: Bin) -> dict:
    if shutil.which("sudo"):
        pytest.skip("sudo is installed here, and root may always use it")
    return {"SUDO": "sudo -n"}


def _wrong_arch(bin_: Bin) -> dict:
    return {"env": {"PI_ARCH": "amd64" if host_arch() == "arm64" else "arm64"}}


BAD_TARGETS = {
    "unreachable host": (lambda b: {"PI": "root@127.0.0.2"}, "SSH failed"),
    "no passwordless sudo": (_no_sudo, "no passwordless sudo"),
    "32-bit or foreign userland": (_wrong_arch, "userland is"),
    "not Bookworm": (_wrong_os, "not Raspberry Pi OS / Debian 12 (bookworm)"),
    "missing model": (lambda b: {"MODEL": str(b.root / "none.tflite")}, "none.tflite not found"),
    "no PI": (lambda b: {"PI": ""}, "PI is not set"),
}


@pytest.mark.parametrize("case", BAD_TARGETS)
def test_bad_target_fails_with_one_line_and_touches_nothing(make, bin_, model, case):
    setup, message = BAD_TARGETS[case]
    result = make("deploy", **setup(bin_))
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if not line.startswith("make")]
    assert len(errors) == 1 and errors[0].startswith("error: "), result.stderr
    assert message in errors[0]
    assert not bin_.path("/opt").exists()
    assert not bin_.stage.exists()
    assert bin_.systemctl_calls() == []


def test_missing_sidecar_is_reported(make, bin_, model):
    model.with_suffix(".json").unlink()
    result = make("deploy")
    assert result.returncode != 0
    assert f"sidecar {model.with_suffix('.json')} not found" in result.stderr
    assert not bin_.path("/opt").exists()


BUNDLED_MODEL = REPO / "models" / "smartbin_int8.tflite"


def _notifications(sock: socket.socket, running, until, timeout: float) -> list[str]:
    """Datagrams sent to $NOTIFY_SOCKET while `running()`, until `until(messages)` or timeout."""
    messages: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not until(messages) and running():
        with contextlib.suppress(TimeoutError):
            messages.append(sock.recv(4096).decode())
    return messages


def test_the_units_command_reports_ready_and_pings_the_watchdog(make, bin_, tmp_path):
    """The unit's ExecStart in the deployed venv (pinned wheels, apt's numpy) speaks sd_notify as
    Type=notify and WatchdogSec= expect; a replay of photos and gpiozero's mock pins stand in for
    the camera and the servos."""
    if not BUNDLED_MODEL.is_file():
        pytest.skip(f"no bundled model at {BUNDLED_MODEL} (`make convert` writes it)")
    ok(make("deploy", MODEL=str(BUNDLED_MODEL)))
    unit = bin_.path("/etc/systemd/system/smartbin.service").read_text()
    command = re.search(r"^ExecStart=(.*)$", unit, re.M)[1].split()
    photos = tmp_path / "photos" / "metal"
    photos.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(2):
        Image.fromarray(rng.integers(0, 255, (96, 128, 3), np.uint8)).save(photos / f"{i}.jpg")
    config = tmp_path / "config.toml"  # every other key keeps the default the example documents
    config.write_text(
        f'[camera]\ntype = "replay"\nsource = "{photos.parent}"\nreplay_loop = true\n'
    )
    command[0] = str(bin_.path(command[0]))
    command[command.index("--config") + 1] = str(config)
    state = tmp_path / "state"
    state.mkdir()
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(tmp_path / "notify"))
        sock.settimeout(0.5)
        env = os.environ | {
            "NOTIFY_SOCKET": str(tmp_path / "notify"),
            "WATCHDOG_USEC": "1000000",
            "STATE_DIRECTORY": str(state),
            "LG_WD": str(state),
            "GPIOZERO_PIN_FACTORY": "mock",
            "GPIOZERO_MOCK_PIN_CLASS": "mockpwmpin",
        }
        proc = subprocess.Popen(command, cwd=state, env=env, stderr=subprocess.PIPE, text=True)
        try:
            sent = _notifications(
                sock,
                lambda: proc.poll() is None,
                lambda m: sum(x == "WATCHDOG=1" for x in m) >= 3,
                timeout=120,
            )
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0, proc.stderr.read()
            sent += _notifications(sock, lambda: True, lambda m: "STOPPING=1" in m, timeout=2)
        finally:
            proc.kill()
    assert any(m.startswith("READY=1") for m in sent), sent
    assert sum(m == "WATCHDOG=1" for m in sent) >= 3
    assert sent.index("WATCHDOG=1") > min(i for i, m in enumerate(sent) if "READY=1" in m)
    assert "STOPPING=1" in sent
