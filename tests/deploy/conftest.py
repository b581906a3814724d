"""Fixtures for the deploy tests: a real OpenSSH server on 127.0.0.1 and a throwaway bin.

The "bin" is this machine reached over SSH as root, with every path under a temporary
DEPLOY_ROOT and systemctl/apt-get/journalctl replaced by recorders (no systemd runs as PID 1 here).
"""

from __future__ import annotations

import getpass
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SSHD = Path("/usr/sbin/sshd")
REQUIREMENTS = REPO / "deploy" / "requirements-pi.txt"
BOOKWORM_OS_RELEASE = """PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
"""


@dataclass(frozen=True)
class Sshd:
    """A running sshd: where it listens and how to log in."""

    user: str
    port: int
    ssh_opts: str

    @property
    def pi(self) -> str:
        return f"{self.user}@127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"sshd exited with {proc.returncode}: {proc.stderr.read()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"sshd did not listen on 127.0.0.1:{port} within {timeout}s")


@pytest.fixture(scope="session")
def sshd(tmp_path_factory) -> Iterator[Sshd]:
    """Debian's sshd on a free loopback port, a throwaway host key and user key, key login only."""
    if not SSHD.is_file():
        pytest.skip(f"{SSHD} not found (install openssh-server; .ci/run does)")
    if os.geteuid() != 0:
        pytest.skip("the deploy tests log in as root (useradd --prefix needs it)")
    d = tmp_path_factory.mktemp("sshd")
    for key in ("host_key", "user_key"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / key)], check=True
        )
    shutil.copy(d / "user_key.pub", d / "authorized_keys")
    port = _free_port()
    (d / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {d / 'host_key'}\n"
        f"PidFile {d / 'sshd.pid'}\nAuthorizedKeysFile {d / 'authorized_keys'}\n"
        "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
    )
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation directory
    proc = subprocess.Popen(
        [str(SSHD), "-D", "-e", "-f", str(d / "sshd_config")], stderr=subprocess.PIPE, text=True
    )
    try:
        _wait_for_port(port, proc)
        yield Sshd(
            user=getpass.getuser(),
            port=port,
            ssh_opts=(
                f"-F /dev/null -p {port} -i {d / 'user_key'} -o IdentitiesOnly=yes "
                f"-o UserKnownHostsFile={d / 'known_hosts'} "
                "-o StrictHostKeyChecking=accept-new"
            ),
        )
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def wheelhouse() -> Path:
    """The pinned requirements as wheels for this machine, downloaded once into .cache/, so the
    deploy's pip runs offline (--no-index --find-links)."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:12]
    folder = REPO / ".cache" / "deploy-wheels" / digest
    if not (folder / ".complete").exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--only-binary=:all:",
                "-d",
                str(folder),
                "-r",
                str(REQUIREMENTS),
            ],
            check=True,
        )
        (folder / ".complete").touch()
    return folder


def _recorder(path: Path, log: Path, body: str = "") -> Path:
    """A stand-in for a system command: logs its arguments, then runs `body` (a case on $1)."""
    path.write_text(f'#!/bin/bash\necho "$*" >> {log}\n{body}\n')
    path.chmod(0o755)
    return path


@dataclass
class Bin:
    """A throwaway bin: its root, recorders and the logs they write."""

    root: Path
    stage: Path
    systemctl: Path
    systemctl_failing: Path
    apt_get: Path
    journalctl: Path
    systemctl_log: Path
    apt_log: Path

    def path(self, absolute: str) -> Path:
        """Where an absolute path on the bin lies in this throwaway root."""
        return self.root / absolute.lstrip("/")

    def systemctl_calls(self) -> list[str]:
        return self.systemctl_log.read_text().splitlines() if self.systemctl_log.exists() else []


JOURNAL_LINE = "smartbin[4242]: error: [camera] type = picamera2: no camera found"


@pytest.fixture
def bin_(tmp_path) -> Bin:
    """An empty Bookworm-like target root with the users and groups of a fresh Debian."""
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "os-release").write_text(BOOKWORM_OS_RELEASE)
    (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (root / "etc" / "group").write_text("root:x:0:\nvideo:x:44:\n")
    (root / "etc" / "shadow").write_text("root:*:19000:0:99999:7:::\n")
    (root / "etc" / "gshadow").write_text("root:*::\nvideo:!::\n")
    tools = tmp_path / "tools"
    tools.mkdir()
    systemctl_log = tmp_path / "systemctl.log"
    ok = 'case "$1" in is-active) echo active ;; show) echo "READY: watching the intake" ;; esac'
    failing = (
        'case "$1" in is-active) echo failed; exit 3 ;; '
        'restart|start) echo "Job for smartbin.service failed." >&2; exit 1 ;; esac'
    )
    return Bin(
        root=root,
        stage=tmp_path / "remote-stage",
        systemctl=_recorder(tools / "systemctl", systemctl_log, ok),
        systemctl_failing=_recorder(tools / "systemctl-failing", systemctl_log, failing),
        apt_get=_recorder(tools / "apt-get", tmp_path / "apt.log"),
        journalctl=_recorder(
            tools / "journalctl",
            tmp_path / "journalctl.log",
            f'echo "Dec 04 20:00:00 bin {JOURNAL_LINE}"',
        ),
        systemctl_log=systemctl_log,
        apt_log=tmp_path / "apt.log",
    )


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A snapshot of what `make deploy` reads, so tests can change it (and nobody else can)."""
    dest = tmp_path / "checkout"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("deploy", "systemd", "device"):
        shutil.copytree(REPO / folder, dest / folder, ignore=ignore)
    shutil.copy(REPO / "Makefile", dest / "Makefile")
    return dest


@pytest.fixture
def model(tmp_path) -> Path:
    """A stand-in model file and sidecar (the service never runs here, so content is moot)."""
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "smartbin_int8.tflite").write_bytes(b"TFL3" + bytes(range(256)) * 8)
    (folder / "smartbin_int8.json").write_text('{"format": 1}\n')
    return folder / "smartbin_int8.tflite"


def host_arch() -> str:
    return subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()
