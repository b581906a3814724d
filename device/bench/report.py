"""The benchmark's report: one JSON document, the terminal table and the summary under it."""

import json
import math
import time
from pathlib import Path
from typing import Any

from device.bench.context import max_temperature
from device.bench.measure import STAGES
from device.errors import UserError
from device.model import RUNTIMES

FORMAT = 1
OVERHEAD_TARGET = 1.10  # whole frame / invoke at 224x224 (the device runtime's budget)


def default_path(folder: Path, hostname: str, when: time.struct_time | None = None) -> Path:
    """bench/results/<host>-<YYYYmmdd-HHMMSS>.json"""
    return folder / f"{hostname}-{time.strftime('%Y%m%d-%H%M%S', when or time.localtime())}.json"


def build(
    host: dict[str, Any],
    settings: dict[str, Any],
    results: list[dict[str, Any]],
    before: dict[str, Any],
    after: dict[str, Any],
) -> dict[str, Any]:
    """The JSON document: context, settings, every result and the recommendation."""
    return {
        "format": FORMAT,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "host": host,
        "settings": settings,
        "before": before,
        "after": after,
        "results": results,
        "recommendation": recommend(results),
    }


def recommend(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest configuration, and how much slower the other interpreter packages are.

    Packages are compared per model variant, each at its best thread count (invoke p50).
    """
    fastest = min(results, key=lambda r: r["stages"]["frame"]["p50"])
    best: dict[tuple[str, str], float] = {}
    for r in results:
        key = (r["runtime"], r["variant"])
        best[key] = min(best.get(key, math.inf), r["stages"]["invoke"]["p50"])
    slower: dict[str, dict[str, float]] = {}
    for (runtime, variant), ms in best.items():
        base = best.get((fastest["runtime"], variant))
        if runtime != fastest["runtime"] and base:
            slower.setdefault(runtime, {})[variant] = round(ms / base, 2)
    preferred = next(iter(RUNTIMES))
    return {
        "runtime": fastest["runtime"],
        "variant": fastest["variant"],
        "threads": fastest["threads"],
        "frame_p50_ms": fastest["stages"]["frame"]["p50"],
        "fps": fastest["fps"],
        "overhead": fastest["overhead"],
        "overhead_target": OVERHEAD_TARGET,
        "other_runtimes_slower_by": slower,  # runtime -> variant -> x (best threads each)
        "device_prefers": preferred,
        "device_prefers_fastest": preferred == fastest["runtime"],
    }


def write(report: dict[str, Any], path: Path) -> None:
    """Write the JSON document (folders created); a path that cannot be written is a UserError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc}") from None


def load(path: Path) -> dict[str, Any]:
    """Read a report written by `write`; anything else is a one-line UserError."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"--plot {path}: not found") from None
    except (OSError, ValueError) as exc:
        raise UserError(f"--plot {path}: not a benchmark JSON ({exc})") from None
    keys = {"format", "host", "settings", "before", "after", "results", "recommendation"}
    if not isinstance(report, dict) or report.get("format") != FORMAT or keys - set(report):
        wanted = ", ".join(sorted(keys))
        raise UserError(f"--plot {path}: not a benchmark report (format {FORMAT} with {wanted})")
    return report


def _ms(v: float) -> str:
    return f"{v:.2f}" if v < 100 else f"{v:.0f}"


def _spread(s: dict[str, float]) -> str:
    return "/".join(_ms(s[k]) for k in ("p50", "p90", "p99", "max"))


def table(report: dict[str, Any]) -> str:
    """One row per configuration: the stages' p50, invoke and whole frame p50/p90/p99/max (ms)."""
    head = (
        f"{'runtime':<22} {'variant':<8} {'thr':>3} {'frames':>6} "
        + " ".join(f"{s:>10}" for s in STAGES if s != "invoke")
        + f"  {'invoke p50/p90/p99/max':<26} {'frame p50/p90/p99/max':<26} {'fps':>7}"
        + f" {'frame/invoke':>12}"
    )
    rows = [head, "-" * len(head)]
    for r in report["results"]:
        st = r["stages"]
        rows.append(
            f"{r['runtime'] + ' ' + (r['runtime_version'] or '?'):<22} {r['variant']:<8}"
            f" {r['threads']:>3} {r['frames']:>6} "
            + " ".join(f"{_ms(st[s]['p50']):>10}" for s in STAGES if s != "invoke")
            + f"  {_spread(st['invoke']):<26} {_spread(st['frame']):<26} {r['fps']:>7.1f}"
            + f" {r['overhead']:>12.3f}"
        )
    return "\n".join(rows)


def _thermal(snap: dict[str, Any]) -> str:
    temp = max_temperature(snap)
    flags = snap["throttled"]
    throttled = "no vcgencmd" if flags is None else (", ".join(flags["now"]) or "not throttled")
    return (
        f"{'n/a' if temp is None else f'{temp:.1f} °C'}, {throttled},"
        f" governor {snap['governor'] or 'n/a'}, load {'/'.join(map(str, snap['load_average']))}"
    )


def summary(report: dict[str, Any]) -> list[str]:
    """The lines under the table: host, thermal state, the fastest setup, runtimes, overhead."""
    h, rec, settings = report["host"], report["recommendation"], report["settings"]
    threads = max(r["threads"] for r in report["results"])
    lines = [
        f"host {h['hostname']}: {h['board'] or h['cpu'] or h['machine']}, {h['cores']} cores"
        f" ({h['usable_cores']} usable)"
        + (
            f"; {threads} threads oversubscribe this machine" if threads > h["usable_cores"] else ""
        ),
        f"source: {settings['source']}, frames {settings['frame_size']}, stage columns are p50 ms",
        f"before: {_thermal(report['before'])}",
        f"after:  {_thermal(report['after'])}",
        f"fastest: {rec['variant']} on {rec['runtime']} with {rec['threads']} thread(s):"
        f" frame p50 {_ms(rec['frame_p50_ms'])} ms ({rec['fps']:.1f} fps)",
    ]
    for other, by_variant in rec["other_runtimes_slower_by"].items():
        ratios = ", ".join(f"{v} {x:.1f}x" for v, x in by_variant.items())
        lines.append(
            f"invoke p50 {other} / {rec['runtime']} (each at its best thread count): {ratios}"
        )
    verdict = "prefers it" if rec["device_prefers_fastest"] else "should prefer it (model.py)"
    lines.append(f"runtime for the bin: {rec['runtime']}; the device runtime {verdict}")
    at224 = [r for r in report["results"] if r["input"] == "224x224"]
    if at224:
        fast = min(at224, key=lambda r: r["stages"]["frame"]["p50"])
        met = "met" if fast["overhead"] < OVERHEAD_TARGET else "NOT met"
        lines.append(
            f"overhead (whole frame / invoke) at 224x224, fastest setup: {fast['overhead']:.3f};"
            f" target < {OVERHEAD_TARGET:.2f}: {met}"
        )
    drift = [r for r in report["results"] if "drift" in r]
    for r in drift:
        w = r["drift"]["windows"]
        temps = [x["temperature_c"] for x in w if x["temperature_c"] is not None]
        heat = f", {temps[0]:.1f} -> {temps[-1]:.1f} °C" if temps else ""
        lines.append(
            f"sustained {r['variant']} {r['runtime']} {r['threads']} thr over {r['seconds']:.0f} s:"
            f" frame p50 {w[0]['frame_p50_ms']:.2f} -> {w[-1]['frame_p50_ms']:.2f} ms"
            f" (x{r['drift']['last_over_first']:.2f}){heat}"
        )
    return lines
