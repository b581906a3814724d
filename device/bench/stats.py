"""Latency summaries: percentiles in milliseconds, frames per second, the overhead ratio."""

from collections.abc import Sequence

import numpy as np

PERCENTILES = (50, 90, 99)


def summarize(ms: Sequence[float]) -> dict[str, float]:
    """p50, p90, p99, max and mean of a list of milliseconds (rounded to microseconds)."""
    a = np.asarray(ms, np.float64)
    if a.size == 0:
        raise ValueError("no samples")
    p = np.percentile(a, PERCENTILES)
    out = {f"p{q}": float(v) for q, v in zip(PERCENTILES, p, strict=True)}
    out |= {"max": float(a.max()), "mean": float(a.mean())}
    return {k: round(v, 3) for k, v in out.items()}


def fps(frame_ms: Sequence[float]) -> float:
    """Frames per second over the measured frames (1000 / mean frame time)."""
    return 1000.0 / float(np.mean(frame_ms))


def overhead(frame_ms: Sequence[float], invoke_ms: Sequence[float]) -> float:
    """Whole frame / invoke alone (mean over the same frames): 1.0 means nothing but the model."""
    return float(np.sum(frame_ms) / np.sum(invoke_ms))
