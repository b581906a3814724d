"""Helpers for tests that run a stage's command line as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "models" / "samples"  # TrashNet test-split photos (MIT, see their LICENSE)


def run_module(module: str, *args: str | Path, timeout: float = 600) -> subprocess.CompletedProcess:
    """`python -m MODULE ARGS...` from the repository root, output captured."""
    return subprocess.run(
        [sys.executable, "-m", module, *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_user_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    """Exit 2, no traceback, and the last stderr line names every needle."""
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    for n in needles:
        assert n in last, last
