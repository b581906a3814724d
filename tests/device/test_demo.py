"""The demo end to end, in a process where TensorFlow cannot be imported."""

import re
import subprocess
import sys

import pytest

from device import config

BLOCK_TF = """
import sys
sys.modules["tensorflow"] = None  # any import of TensorFlow or Keras now fails
sys.modules["keras"] = None
from device.__main__ import main
rc = main(sys.argv[1:])
assert not any(m.split(".")[0] in ("tensorflow", "keras") for m in sys.modules if sys.modules[m])
sys.exit(rc)
"""


@pytest.mark.slow
def test_demo_routes_the_samples_without_tensorflow(tiny_model, samples):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            BLOCK_TF,
            "demo",
            "--model",
            str(tiny_model),
            "--samples",
            str(samples),
            "--threads",
            "1",
        ],
        cwd=config.ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    items = [line for line in result.stdout.splitlines() if re.match(r"\s*\d+ \w+/\d\.jpg", line)]
    assert len(items) == 15
    assert all("ms: capture" in line for line in items)
    correct = re.search(r"correct (\d+)/(\d+)", result.stdout)
    assert correct and int(correct[2]) == 15 and int(correct[1]) >= 14, result.stdout
    assert "overhead on voted frames:" in result.stdout


def test_demo_with_a_missing_model_is_a_one_line_error(tmp_path, samples):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "device",
            "demo",
            "--model",
            str(tmp_path / "x.tflite"),
            "--samples",
            str(samples),
        ],
        cwd=config.ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == f"error: model not found: {tmp_path / 'x.tflite'}\n"


@pytest.mark.slow
def test_make_demo_path_on_the_shipped_model_and_its_test_split_samples():
    """`python -m device demo` with no options: the bundled int8 model and models/samples/.

    The 20 samples come from the model's test split. On them the shipped model sorts 18 into the
    right compartment (one of them an uncertain trash item, sent to trash by design); 2
    recyclables land in the wrong recyclable compartment (see models/MODEL_CARD.md).
    """
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_TF, "demo", "--threads", "1"],
        cwd=config.ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    correct = re.search(r"items (\d+), correct (\d+)/(\d+), uncertain (\d+)", result.stdout)
    assert correct, result.stdout
    items, right, known, uncertain = map(int, correct.groups())
    assert items == known == 20
    assert right >= 18, result.stdout
    wrong_recyclable = [
        line
        for line in result.stdout.splitlines()
        if "WRONG" in line and "uncertain" not in line and "-> trash" not in line
    ]
    assert len(wrong_recyclable) <= 2, result.stdout
