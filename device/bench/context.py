"""Facts recorded with every result: host and board, CPU, governor, temperature, throttling flags,
Python and package versions. Everything is read from /proc, /sys and `vcgencmd` where they exist;
what a machine does not have is recorded as null.
"""

import glob
import importlib.metadata
import importlib.util
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from device.model import RUNTIMES

# `vcgencmd get_throttled` bits (Raspberry Pi firmware): the low ones are the state now, the same
# flags 16 bits up say whether it happened since boot.
THROTTLE_FLAGS = {
    0: "under-voltage",
    1: "arm frequency capped",
    2: "throttled",
    3: "soft temperature limit",
}
CPUFREQ = Path("/sys/devices/system/cpu/cpu0/cpufreq")


def _read(path: str | Path) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace").strip("\x00\n ")
    except OSError:
        return None


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def cpu_model() -> str | None:
    """/proc/cpuinfo's `model name` (x86, most ARM), else its `Model` or `Hardware` line."""
    lines = (_read("/proc/cpuinfo") or "").splitlines()
    for key in ("model name", "Model", "Hardware"):
        for line in lines:
            name, _, value = line.partition(":")
            if name.strip() == key and value.strip():
                return value.strip()
    return platform.processor() or None


def installed_runtimes() -> list[str]:
    """The interpreter packages importable here, in the device runtime's order of preference."""
    return [n for n, module in RUNTIMES.items() if importlib.util.find_spec(module.split(".")[0])]


def host() -> dict[str, Any]:
    """What does not change during a run: the machine and the board."""
    return {
        "hostname": socket.gethostname(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "board": _read("/proc/device-tree/model"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
    }


def environment() -> dict[str, Any]:
    """This Python and the packages the loop runs on."""
    return {
        "python": platform.python_version(),
        "executable": sys.executable,
        "numpy": _version("numpy"),
        "opencv": _version("opencv-python-headless") or _version("opencv-python"),
        "runtimes": {name: _version(name) for name in RUNTIMES},
    }


def throttled() -> dict[str, Any] | None:
    """`vcgencmd get_throttled` decoded, None where there is no vcgencmd."""
    exe = shutil.which("vcgencmd")
    if exe is None:
        return None
    try:
        out = subprocess.run(
            [exe, "get_throttled"], capture_output=True, text=True, timeout=5, check=True
        ).stdout
        value = int(out.strip().partition("=")[2], 16)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return {
        "raw": hex(value),
        "now": [f for bit, f in THROTTLE_FLAGS.items() if value >> bit & 1],
        "since_boot": [f for bit, f in THROTTLE_FLAGS.items() if value >> (bit + 16) & 1],
    }


def temperatures() -> dict[str, float]:
    """Every thermal zone's temperature in °C, by zone type (cpu-thermal on a Pi)."""
    temps = {}
    for zone in sorted(glob.glob("/sys/class/thermal/thermal_zone*")):
        raw = _read(f"{zone}/temp")
        if raw and raw.lstrip("-").isdigit():
            name = _read(f"{zone}/type") or Path(zone).name
            temps[name if name not in temps else Path(zone).name] = int(raw) / 1000
    return temps


def snapshot() -> dict[str, Any]:
    """What changes while the board works: temperature, throttling, governor, clock, load."""
    mhz = _read(CPUFREQ / "scaling_cur_freq")
    return {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "temperatures_c": temperatures(),
        "throttled": throttled(),
        "governor": _read(CPUFREQ / "scaling_governor"),
        "cpu_mhz": int(mhz) / 1000 if mhz and mhz.isdigit() else None,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def max_temperature(snap: dict[str, Any]) -> float | None:
    """The hottest zone of a snapshot, None without thermal zones."""
    return max(snap["temperatures_c"].values(), default=None)
