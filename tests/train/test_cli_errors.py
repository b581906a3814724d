"""Every user mistake: one line on stderr naming the culprit, exit code 2, no traceback."""

import subprocess
import sys

import pytest
from PIL import Image

from tests.conftest import REPO


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "train", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def assert_user_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    for n in needles:
        assert n in last, last


def test_missing_data_folder(tmp_path):
    proc = run_cli(
        "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "r"), "--weights", "none"
    )
    assert_user_error(proc, "data folder not found", str(tmp_path / "nope"))


def test_folder_without_class_folders(tmp_path):
    (tmp_path / "loose.jpg").write_bytes(b"x")
    proc = run_cli("--data", str(tmp_path), "--out", str(tmp_path / "r"), "--weights", "none")
    assert_user_error(proc, "no class folders", str(tmp_path))


def test_requested_class_missing_or_empty(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "a" / "x.jpg")
    (tmp_path / "b" / "broken.jpg").write_bytes(b"\xff\xd8 broken")
    proc = run_cli(
        "--data",
        str(tmp_path),
        "--out",
        str(tmp_path / "r"),
        "--weights",
        "none",
        "--classes",
        "a,glass",
    )
    assert_user_error(proc, str(tmp_path / "glass"), "not found", "a, b")
    proc = run_cli(
        "--data",
        str(tmp_path),
        "--out",
        str(tmp_path / "r"),
        "--weights",
        "none",
        "--classes",
        "a,b",
    )
    assert_user_error(proc, str(tmp_path / "b"), "no usable images")


def test_weights_file_missing_or_not_fitting(photos, tmp_path, shared_weights):
    proc = run_cli(
        "--data",
        str(photos),
        "--out",
        str(tmp_path / "r"),
        "--weights",
        str(tmp_path / "missing.h5"),
    )
    assert_user_error(proc, "--weights file not found", "missing.h5")
    bogus = tmp_path / "bogus.h5"
    bogus.write_bytes(b"not an hdf5 file")
    proc = run_cli(
        "--data",
        str(photos),
        "--out",
        str(tmp_path / "r"),
        "--weights",
        str(bogus),
        "--image-size",
        "32",
    )
    assert_user_error(proc, "--weights", "bogus.h5", "does not fit")
    proc = run_cli(
        "--data",
        str(photos),
        "--out",
        str(tmp_path / "r"),
        "--weights",
        str(shared_weights),
        "--alpha",
        "0.5",
        "--image-size",
        "32",
    )
    assert_user_error(proc, "--weights", "does not fit", "alpha=0.5")


@pytest.mark.parametrize("bad", ["70,15", "70,0,30", "a,b,c"])
def test_bad_split_option(photos, tmp_path, bad):
    proc = run_cli("--data", str(photos), "--out", str(tmp_path / "r"), "--split", bad)
    assert proc.returncode == 2 and "--split" in proc.stderr and "Traceback" not in proc.stderr
