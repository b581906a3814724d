"""The systemd unit: systemd's own verify and security checks, and every DeviceAllow explained."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import REPO

UNIT = REPO / "systemd" / "smartbin.service"
README = REPO / "README.md"
SYSTEM_UNITS = next(
    (p for p in (Path("/usr/lib/systemd/system"), Path("/lib/systemd/system")) if p.is_dir()), None
)


def _directives(name: str) -> list[str]:
    return re.findall(rf"^{name}=(.*)$", UNIT.read_text(), re.M)


def _exec_start_binary() -> str:
    return _directives("ExecStart")[0].split()[0]


def _exec_binaries() -> list[str]:
    """The programs every Exec*= line runs (ExecStart, ExecReload, ...)."""
    lines = re.findall(r"^Exec\w+=[-@:+!]*(\S+)", UNIT.read_text(), re.M)
    return sorted(set(lines))


@pytest.fixture
def unit_root(tmp_path) -> Path:
    """A filesystem root as the bin has it after a deploy: the unit, the stock system units it
    depends on, and an executable wherever its Exec*= lines point."""
    if shutil.which("systemd-analyze") is None or SYSTEM_UNITS is None:
        pytest.skip("systemd-analyze not found (install systemd; .ci/run does)")
    root = tmp_path / "root"
    shutil.copytree(SYSTEM_UNITS, root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    shutil.copy(UNIT, root / "etc/systemd/system" / UNIT.name)
    for program in _exec_binaries():
        binary = root / program.lstrip("/")
        binary.parent.mkdir(parents=True, exist_ok=True)
        binary.write_text("#!/bin/sh\n")
        binary.chmod(0o755)
    return root


def _analyze(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["systemd-analyze", *args], capture_output=True, text=True, timeout=60)


def test_systemd_analyze_verify_passes_without_a_warning(unit_root):
    result = _analyze("verify", f"--root={unit_root}", UNIT.name)
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == ""


def test_verify_in_that_root_does_catch_a_broken_unit(unit_root):
    (unit_root / _exec_start_binary().lstrip("/")).unlink()
    result = _analyze("verify", f"--root={unit_root}", UNIT.name)
    assert result.returncode != 0
    assert "is not executable" in result.stderr


def _exposure(unit_root: Path) -> float:
    result = _analyze("security", "--offline=true", f"--root={unit_root}", UNIT.name)
    assert result.returncode == 0, result.stderr
    return float(re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)[1])


def test_security_exposure_is_low_and_the_readme_reports_it(unit_root):
    exposure = _exposure(unit_root)
    assert exposure <= 2.0
    assert f"exposure level **{exposure:.1f}**" in " ".join(README.read_text().split())


def test_every_device_allow_has_a_comment_and_a_readme_row():
    lines = UNIT.read_text().splitlines()
    allowed = [(i, line) for i, line in enumerate(lines) if line.startswith("DeviceAllow=")]
    assert allowed, "the bin needs GPIO and camera devices"
    readme = README.read_text()
    for i, line in allowed:
        assert lines[i - 1].startswith("# "), f"{line} has no comment above it"
        spec = line.removeprefix("DeviceAllow=").split()[0]
        assert f"`{spec}`" in readme, f"README's DeviceAllow table lacks {spec}"
    assert _directives("DevicePolicy") == ["closed"]
