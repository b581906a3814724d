"""`python -m convert RUN_DIR --out models/smartbin_int8.tflite [--variants int8,fp16,fp32]`"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from train.errors import UserError

from .quantize import VARIANTS


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m convert", description=__doc__)
    p.add_argument("run", type=Path, help="training run folder (runs/NAME)")
    p.add_argument(
        "--out",
        type=Path,
        default=Path("models/smartbin_int8.tflite"),
        help="path of the int8 model; other variants go beside it",
    )
    p.add_argument(
        "--variants",
        default="int8",
        help=f"comma-separated, from {','.join(VARIANTS)} (default int8)",
    )
    p.add_argument(
        "--representative",
        type=int,
        default=200,
        help="training-split images used to calibrate int8 (100-500 is typical)",
    )
    p.add_argument(
        "--max-drop",
        type=float,
        default=1.0,
        help="fail if a TFLite variant's test accuracy is more than this many points "
        "below the float model's",
    )
    p.add_argument(
        "--measure",
        type=Path,
        metavar="MODEL.tflite",
        help="measure this int8 file instead of converting anew: a shipped model re-measured on "
        "its run's amended split; the run must be that file rebuilt, trained no further "
        "(python -m train --init-from MODEL.tflite --epochs1 0 --epochs2 0 --epochs3 0)",
    )
    p.add_argument("--data", type=Path, help="data root, if the photos moved since training")
    p.add_argument("--threads", type=int, default=2, help="interpreter threads for verification")
    return p


def parse_variants(text: str) -> list[str]:
    variants = [v.strip() for v in text.split(",") if v.strip()]
    bad = [v for v in variants if v not in VARIANTS]
    if bad or not variants:
        raise UserError(
            f"--variants {text!r}: unknown {', '.join(bad) or 'empty'}; "
            f"valid: {', '.join(VARIANTS)}"
        )
    return variants


def check_writable(out: Path) -> None:
    if out.suffix != ".tflite":
        raise UserError(f"--out {out} must end in .tflite (the sidecar goes beside it as .json)")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        probe = out.with_suffix(".write-test")
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UserError(f"cannot write --out {out}: {exc.strerror}") from None


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        variants = parse_variants(args.variants)
        if not 1 <= args.representative <= 5000:
            raise UserError(f"--representative {args.representative} must be between 1 and 5000")
        check_writable(args.out)
        if args.measure is not None and variants != ["int8"]:
            raise UserError(f"--measure {args.measure} measures one int8 file: drop --variants")
        from .pipeline import convert_run  # late: TensorFlow start-up is slow

        ok = convert_run(
            args.run,
            args.out,
            variants,
            args.representative,
            args.max_drop,
            args.data,
            args.threads,
            args.measure,
        )
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
