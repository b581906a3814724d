"""`python -m device COMMAND`: run, demo, servo-test, export-captures, bench.

Each command is one `add_<name>(subparsers)` function in COMMANDS that sets `func`; a new
command is one more function in the list. User mistakes print one line and exit 2.
"""

import argparse
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

from device.bench.cli import add_bench
from device.errors import UserError

DEFAULT_CONFIG = "/etc/smartbin/config.toml"


def _setup_logging(level: str = "info") -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )


def _config_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=DEFAULT_CONFIG, help=f"TOML file (default {DEFAULT_CONFIG})")


def _run(args: argparse.Namespace) -> int:
    from device import config
    from device.service import Service

    _setup_logging(config.load(args.config).log.level)
    return Service(args.config).run()


def add_run(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="sort items: the service on the bin")
    _config_arg(p)
    p.set_defaults(func=_run)


def _demo(args: argparse.Namespace) -> int:
    from device.demo import run_demo

    _setup_logging("warning")
    return run_demo(args.model, args.samples, args.limit, args.threads)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def add_demo(sub: argparse._SubParsersAction) -> None:
    from device.demo import DEFAULT_MODEL, DEFAULT_SAMPLES

    p = sub.add_parser("demo", help="the whole loop on the bundled model, photos and mock servos")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model (.json beside it)")
    p.add_argument("--samples", type=Path, default=DEFAULT_SAMPLES, help="DIR/<class>/*.jpg")
    p.add_argument("--limit", type=_positive, help="sort only this many photos")
    p.add_argument("--threads", type=_positive, help="interpreter threads")
    p.set_defaults(func=_demo)


def _servo_test(args: argparse.Namespace) -> int:
    from device import config
    from device.router import Router

    cfg = config.load(args.config)
    _setup_logging("info")
    names = [args.compartment] if args.compartment else list(cfg.routes)
    for name in names:
        if name not in cfg.routes:
            raise UserError(f"--compartment {name!r}: not one of {', '.join(cfg.routes)}")
    router = Router(cfg.servos, cfg.routes, cfg.router.home_hold_s)
    try:
        for name in names:
            moves = ", ".join(
                f"{m.servo} {m.angle:g} deg, {m.hold_s:g} s" for m in cfg.routes[name]
            )
            print(f"{name}: {moves}", flush=True)
            router.route(name)
            if sys.stdin.isatty():
                input("Enter for the next compartment ")
            else:
                time.sleep(args.pause)
    finally:
        router.close()
    return 0


def add_servo_test(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("servo-test", help="step through every compartment's route (calibration)")
    _config_arg(p)
    p.add_argument("--compartment", help="only this compartment")
    p.add_argument("--pause", type=float, default=1.0, help="seconds between compartments")
    p.set_defaults(func=_servo_test)


def _export_captures(args: argparse.Namespace) -> int:
    from device import config
    from device.events import EventLog

    cfg = config.load(args.config)
    log = EventLog(cfg.state_dir)
    try:
        count = log.export_captures(args.dir)
    except OSError as exc:
        raise UserError(f"cannot export to {args.dir}: {exc}") from None
    finally:
        log.close()
    print(f"{count} capture(s) from {cfg.state_dir} written to {args.dir}/<label or unlabelled>/")
    return 0


def add_export_captures(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export-captures", help="copy uncertain items' frames into DIR/<label>/")
    p.add_argument("dir", type=Path, help="destination (train/'s class-folder layout)")
    _config_arg(p)
    p.set_defaults(func=_export_captures)


COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    add_run,
    add_demo,
    add_servo_test,
    add_export_captures,
    add_bench,
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m device", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(sub)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
