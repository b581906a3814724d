"""`python -m device bench`: options, and the run from options to table, JSON and PNG."""

import argparse
import dataclasses
import logging
import sys
from pathlib import Path
from typing import Any

from device import config
from device.bench import context, plot, report
from device.bench.measure import Settings
from device.bench.sweep import SOURCES, Plan, check_python, check_runtimes, run_here, run_in
from device.bench.variants import VARIANTS, parse_variants, resolve_models
from device.errors import UserError
from device.model import RUNTIMES

RESULTS = config.ROOT / "bench" / "results"


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def parse_threads(text: str) -> list[int]:
    """`1,2,4` -> [1, 2, 4]; anything else is a one-line UserError."""
    try:
        threads = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        threads = []
    if not threads or min(threads) < 1:
        raise UserError(f"--threads {text!r}: positive integers separated by commas, e.g. 1,2,4")
    return list(dict.fromkeys(threads))


def add_bench(sub: argparse._SubParsersAction) -> None:
    from device.demo import DEFAULT_MODEL, DEFAULT_SAMPLES

    p = sub.add_parser(
        "bench",
        help="latency per stage of the loop, per model variant, thread count and interpreter",
        description="Time capture, presence, preprocess, invoke and decision per frame; write a"
        " table, bench/results/<host>-<date>.json and a PNG beside it.",
    )
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="int8 model (.json beside)")
    p.add_argument(
        "--variants",
        help=f"comma-separated from {','.join(VARIANTS)}, files beside --model"
        " (default: the model and whichever of its variants exist)",
    )
    p.add_argument("--threads", default="1,2,4", help="threads to sweep (default 1,2,4)")
    p.add_argument(
        "--runtime",
        help=f"comma-separated from {','.join(RUNTIMES)} (default: all installed in this Python)",
    )
    p.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="PATH",
        help="also run under this Python (e.g. a venv with tflite-runtime); merged into one report",
    )
    p.add_argument("--frames", type=_count, default=200, help="measured frames per configuration")
    p.add_argument("--warmup", type=_count, default=10, help="frames run before measuring")
    p.add_argument(
        "--max-seconds",
        type=_seconds,
        default=20.0,
        help="stop a configuration after this long even before --frames (default 20)",
    )
    p.add_argument(
        "--duration",
        type=_seconds,
        help="sustained mode: run each configuration this many seconds (e.g. 600) and report"
        " drift and temperature over time",
    )
    p.add_argument("--source", choices=SOURCES, default="replay", help="replay photos or camera")
    p.add_argument("--samples", type=Path, default=DEFAULT_SAMPLES, help="DIR/<class>/*.jpg")
    p.add_argument(
        "--config",
        type=Path,
        help="camera, ROI, presence and decision settings (default: the built-in defaults)",
    )
    p.add_argument("--out", type=Path, help="JSON path (default bench/results/<host>-<date>.json)")
    p.add_argument("--no-plot", action="store_true", help="no PNG")
    p.add_argument(
        "--plot",
        type=Path,
        metavar="JSON",
        help="print the table of a JSON written earlier (e.g. copied from the bin), render its"
        " PNG beside it, and exit",
    )
    p.add_argument("--results-only", action="store_true", help=argparse.SUPPRESS)  # --python
    p.set_defaults(func=run)


def child_argv(args: argparse.Namespace) -> list[str]:
    """The options a child Python repeats (paths made absolute: it runs in the install folder)."""
    argv = ["--model", str(args.model.resolve()), "--threads", args.threads]
    argv += ["--frames", str(args.frames), "--warmup", str(args.warmup)]
    argv += ["--max-seconds", str(args.max_seconds), "--source", args.source]
    argv += ["--samples", str(args.samples.resolve())]
    if args.variants:
        argv += ["--variants", args.variants]
    if args.duration:
        argv += ["--duration", str(args.duration)]
    if args.config:
        argv += ["--config", str(args.config.resolve())]
    return argv


def _progress(r: dict[str, Any]) -> None:
    st = r["stages"]
    print(
        f"  {r['variant']:<8} {r['runtime']:<15} {r['threads']} thr: {r['frames']} frames in"
        f" {r['seconds']:.1f} s, frame p50 {st['frame']['p50']:.2f} ms,"
        f" invoke p50 {st['invoke']['p50']:.2f} ms",
        flush=True,
    )


def show(doc: dict[str, Any], json_path: Path, png: bool) -> None:
    """Table, summary and, unless `png` is False, the PNG beside the JSON."""
    print(report.table(doc))
    print("\n".join(report.summary(doc)))
    print(f"JSON: {json_path}")
    if png:
        image = json_path.with_suffix(".png")
        if plot.render(doc, image):
            print(f"PNG:  {image}")
        else:
            print(
                "PNG skipped: matplotlib is not installed here (on a workstation:"
                f" python -m device bench --plot {json_path.name})"
            )


def run(args: argparse.Namespace) -> int:
    """The benchmark, or with --plot the report of an earlier one."""
    logging.basicConfig(level="WARNING", stream=sys.stderr)
    if args.plot:
        show(report.load(args.plot), args.plot, png=True)
        return 0
    variants = parse_variants(args.variants) if args.variants else None
    models = resolve_models(args.model, variants)
    runtimes = check_runtimes(args.runtime.split(",") if args.runtime else None)
    for python in args.python:
        check_python(python)
    cfg = config.load(args.config)
    settings = Settings(args.frames, args.warmup, args.max_seconds, args.duration)
    plan = Plan(
        models, parse_threads(args.threads), runtimes, args.source, args.samples, cfg, settings
    )
    if args.results_only:
        results = run_here(plan, _progress)
        report.write({"format": report.FORMAT, "results": results}, args.out)
        return 0
    host = context.host()
    print(
        f"bench: {len(models)} model(s) x threads {args.threads} x {', '.join(runtimes)}"
        f"{' + ' + ', '.join(args.python) if args.python else ''}; {args.source} frames;"
        f" {host['cores']} cores here",
        flush=True,
    )
    before = context.snapshot()
    results = run_here(plan, _progress)
    for python in args.python:
        results += run_in(python, child_argv(args))
    after = context.snapshot()
    cam = cfg.camera
    run_settings = {
        "source": args.source,
        "samples": str(args.samples) if args.source == "replay" else None,
        "config": str(args.config) if args.config else None,
        "frame_size": f"{cam.width}x{cam.height}",
        "roi": dataclasses.asdict(cfg.roi),
        **dataclasses.asdict(settings),
        "threads": plan.threads,
        "pythons": [sys.executable, *args.python],
        "command": ["python", "-m", "device", *sys.argv[1:]],
    }
    doc = report.build(host, run_settings, results, before, after)
    out = args.out or report.default_path(RESULTS, host["hostname"])
    report.write(doc, out)
    show(doc, out, png=not args.no_plot)
    return 0
