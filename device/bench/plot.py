"""The PNG: whole-frame latency distribution (cumulative) per configuration, per-stage
breakdown and, for a sustained run, latency and temperature over time. matplotlib is a
workstation package (not on the bin): it is imported only here; without it no PNG is written.
"""

from pathlib import Path
from typing import Any

from device.bench.measure import STAGES

LINESTYLES = ("-", "--", ":", "-.")  # one per thread count


def _label(r: dict[str, Any]) -> str:
    return f"{r['variant']} {r['runtime']} {r['threads']}t"


def render(report: dict[str, Any], path: Path) -> bool:
    """Write the PNG; False (nothing written) when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    results = report["results"]
    drift = [r for r in results if "drift" in r]
    panels = 3 if drift else 2
    heights = [4.5, max(2.5, 0.45 * len(results) + 1.0), 3.5][:panels]
    fig, axes = plt.subplots(panels, 1, figsize=(10, sum(heights)), height_ratios=heights)
    labels = [_label(r) for r in results]

    groups = list(dict.fromkeys((r["variant"], r["runtime"]) for r in results))
    threads = sorted({r["threads"] for r in results})
    dist = axes[0]
    for r, label in zip(results, labels, strict=True):
        ms = sorted(r["samples_ms"]["frame"])
        dist.step(
            ms,
            [100 * (i + 1) / len(ms) for i in range(len(ms))],
            where="post",
            label=label,
            color=f"C{groups.index((r['variant'], r['runtime'])) % 10}",
            linestyle=LINESTYLES[threads.index(r["threads"]) % len(LINESTYLES)],
        )
    frame_max = max(r["stages"]["frame"]["max"] for r in results)
    frame_min = min(r["stages"]["frame"]["p50"] for r in results)
    if frame_max / max(frame_min, 1e-6) > 30:
        dist.set_xscale("log")
    dist.set_xlabel("whole frame, ms")
    dist.set_ylabel("% of frames at most")
    dist.grid(alpha=0.3)
    dist.legend(fontsize="small", ncol=1 + len(results) // 8)
    h = report["host"]
    dist.set_title(f"{h['hostname']}: {h['board'] or h['cpu'] or h['machine']}, {h['cores']} cores")

    bars = axes[1]
    step = 0.8 / len(STAGES)
    for k, stage in enumerate(STAGES):
        # a floor keeps sub-microsecond stages visible on the log axis
        p50 = [max(r["stages"][stage]["p50"], 1e-3) for r in results]
        bars.barh([i + k * step for i in range(len(results))], p50, height=step, label=stage)
    bars.set_yticks([i + 0.4 - step / 2 for i in range(len(results))], labels)
    bars.set_xscale("log")
    bars.invert_yaxis()
    bars.set_xlabel("median ms per stage (log scale)")
    bars.grid(axis="x", alpha=0.3)
    bars.legend(loc="lower right", fontsize="small")

    if drift:
        ax = axes[2]
        temp_ax = None
        for r in drift:
            w = r["drift"]["windows"]
            ax.plot([x["t_s"] for x in w], [x["frame_p50_ms"] for x in w], label=_label(r))
            temps = [(x["t_s"], x["temperature_c"]) for x in w if x["temperature_c"] is not None]
            if temps:
                temp_ax = temp_ax or ax.twinx()
                temp_ax.plot(*zip(*temps, strict=True), "--", color="tab:red")
                temp_ax.set_ylabel("°C (dashed)")
        ax.set_xlabel("seconds")
        ax.set_ylabel("frame p50, ms")
        ax.legend(fontsize="small")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
