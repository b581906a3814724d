"""`make pi-check`: the device demo on an emulated arm64 Debian Bookworm userland (QEMU user mode).

Needs debootstrap and qemu-user-static (`.ci/run` installs them), root to build the arm64 root
once (cached in .cache/pi-root), the Debian mirror and PyPI; each missing piece is a skip with its
reason. MODEL and SAMPLES in the environment replace the shipped model and photos, as for make.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROOT = REPO / ".cache" / "pi-root" / "root"
MODEL = REPO / os.environ.get("MODEL", "models/smartbin_int8.tflite")
SAMPLES = REPO / os.environ.get("SAMPLES", "models/samples")
LIMIT = 3
# -o: the venv running these tests exists; make must not reinstall it.
MAKE = ["make", "--no-print-directory", "-o", ".venv/.device-stamp"]

pytestmark = pytest.mark.slow


def require_host() -> None:
    missing = [t for t in ("qemu-aarch64-static", "debootstrap") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}: apt-get install debootstrap qemu-user-static")
    if os.geteuid() != 0 and not (ROOT / ".built").is_file():
        pytest.skip("building the arm64 root runs debootstrap, which needs root")


def skip_if_mirror_unreachable(stdout: str) -> None:
    skips = [line for line in stdout.splitlines() if line.startswith("SKIP pi-check:")]
    if skips:
        pytest.skip(skips[0])


@pytest.mark.parametrize(
    "runtime", ["", "tflite-runtime==2.14.0"], ids=["pinned", "tflite-runtime"]
)
def test_demo_sorts_on_emulated_arm64(runtime: str) -> None:
    require_host()
    if not MODEL.is_file() or not SAMPLES.is_dir():
        pytest.skip(f"no model {MODEL} or samples {SAMPLES}: not shipped in models/ yet")
    proc = subprocess.run(
        [*MAKE, "pi-check", f"LIMIT={LIMIT}", f"PI_RUNTIME={runtime}", f"PY={sys.executable}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    skip_if_mirror_unreachable(proc.stdout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert "pi-check: emulated aarch64, Python 3.11.2, numpy 1.24.2 from apt" in out
    wheels = next(line for line in out.splitlines() if line.startswith("pi-check: wheels:"))
    assert ("tflite_runtime-2.14.0" in wheels) == bool(runtime)
    assert ("ai_edge_litert-" in wheels) != bool(runtime)
    assert "numpy" not in wheels  # numpy is apt's, never a wheel
    assert f"\nitems {LIMIT}," in out  # the demo's summary: every item sorted
    assert "pi-check: PASS" in out and "every item classified as on this machine" in out


def test_a_pin_that_needs_numpy_2_is_refused(tmp_path: Path) -> None:
    require_host()
    build = subprocess.run(
        ["pi/build-root.sh", str(ROOT)], cwd=REPO, capture_output=True, text=True, timeout=1200
    )
    skip_if_mirror_unreachable(build.stdout)
    assert build.returncode == 0, build.stdout + build.stderr
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("opencv-python-headless==4.12.0.88\n")  # needs numpy>=2 on Python 3.9+
    proc = subprocess.run(
        ["pi/fetch-wheels.sh", str(ROOT), str(reqs), str(tmp_path / "site")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PY": sys.executable},
    )
    assert proc.returncode == 1
    assert "numpy==1.24.2" in proc.stderr.splitlines()[-1]
    assert "depends on numpy" in proc.stderr
    assert not (tmp_path / "site").exists()


def test_wrong_classes_on_emulated_arm64_fail_the_check() -> None:
    """QEMU's default "max" core offers instructions no Pi has; ai-edge-litert 2.1.6 picks kernels
    for them and, under QEMU 7.2, gets the classes wrong. The check must say so, not pass."""
    require_host()
    if not MODEL.is_file() or not SAMPLES.is_dir():
        pytest.skip(f"no model {MODEL} or samples {SAMPLES}: not shipped in models/ yet")
    proc = subprocess.run(
        [*MAKE, "pi-check", f"LIMIT={LIMIT}", "PI_CPU=max", f"PY={sys.executable}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    skip_if_mirror_unreachable(proc.stdout)
    assert proc.returncode != 0
    assert "classified differently on emulated arm64 (max) than here" in proc.stderr
