#!/usr/bin/env bash
# make pi-check: run the device's demo on an emulated arm64 Raspberry Pi OS-like userland (Debian
# Bookworm, Python 3.11, numpy from apt, the deploy's pinned aarch64 wheels) under QEMU user mode.
# Environment: MODEL, SAMPLES, LIMIT (items to sort), PI_RUNTIME (a runtime pin that replaces the
# deploy's, e.g. tflite-runtime==2.14.0), PI_REQUIREMENTS, PI_CACHE, PY (host Python with pip).
set -euo pipefail
cd "$(dirname "$0")/.."
model=${MODEL:-models/smartbin_int8.tflite}
samples=${SAMPLES:-models/samples}
limit=${LIMIT:-5}
reqs=${PI_REQUIREMENTS:-deploy/requirements-pi.txt}
runtime=${PI_RUNTIME:-}
cache=${PI_CACHE:-.cache/pi-root}

fail() { # fail CODE MESSAGE: one line on stderr, then exit
  echo "pi-check: $2" >&2
  exit "$1"
}
for tool in qemu-aarch64-static debootstrap dpkg curl; do
  command -v "$tool" >/dev/null || fail 2 "$tool not found: apt-get install -y debootstrap qemu-user-static curl"
done
[[ -f $model ]] || fail 2 "MODEL=$model: no such model file"
[[ -d $samples ]] || fail 2 "SAMPLES=$samples: no such folder of sample photos"
[[ -f $reqs ]] || fail 2 "PI_REQUIREMENTS=$reqs: no such requirements file"
[[ $limit =~ ^[1-9][0-9]*$ ]] || fail 2 "LIMIT=$limit: expected a positive whole number of items"
[[ -z $runtime || $runtime =~ ^(ai-edge-litert|tflite-runtime)==[0-9][0-9a-z.]*$ ]] ||
  fail 2 "PI_RUNTIME=$runtime: expected ai-edge-litert==VERSION or tflite-runtime==VERSION"

root=$cache/root
status=0
pi/build-root.sh "$root" || status=$?
((status == 75)) && exit 0 # mirror unreachable: build-root.sh printed the SKIP line
((status == 0)) || exit "$status"

# The requirements this run installs: the deploy's pins, the runtime swapped if asked.
mkdir -p "$cache"
if [[ -n $runtime ]]; then
  grep -vE '^(ai-edge-litert|tflite-runtime)\b' "$reqs" >"$cache/requirements.txt" || true
  echo "$runtime" >>"$cache/requirements.txt"
else
  cp "$reqs" "$cache/requirements.txt"
fi
site=$cache/site-$(cat "$cache/requirements.txt" "$root/.built" | sha256sum | cut -c1-12)
PY=${PY:-python3} pi/fetch-wheels.sh "$root" "$cache/requirements.txt" "$site"
wheels=("$site"/*.dist-info)
wheels=("${wheels[@]##*/}")
echo "pi-check: wheels: ${wheels[*]%.dist-info}"

# The root's own interpreter, emulated, with the environment a systemd service would give it.
emulate() {
  env -i PATH=/usr/bin:/bin LANG=C.UTF-8 PYTHONPATH="$site:$PWD" GPIOZERO_PIN_FACTORY=mock \
    QEMU_LD_PREFIX="$root" qemu-aarch64-static -L "$root" "$root/usr/bin/python3.11" "$@"
}
emulate -c 'import platform, sys, numpy
from_apt = numpy.__file__.endswith("/usr/lib/python3/dist-packages/numpy/__init__.py")
print(f"pi-check: emulated {platform.machine()}, Python {platform.python_version()}, numpy",
      numpy.__version__, "from apt" if from_apt else f"from {numpy.__file__}", "under", sys.argv[1])
sys.exit(platform.machine() != "aarch64" or not from_apt)' "$(qemu-aarch64-static --version | head -n 1)" ||
  fail 1 "FAIL: the emulated interpreter is not aarch64 with apt's numpy"

start=$EPOCHREALTIME
emulate -m device demo --model "$model" --samples "$samples" --limit "$limit" || {
  status=$?
  ((status > 128)) && fail 1 "FAIL: the demo was killed by signal $((status - 128)) on emulated arm64"
  fail 1 "FAIL: the demo exited with status $status on emulated arm64"
}
echo "pi-check: PASS: the demo ran on emulated arm64 Bookworm in" \
  "$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s (LIMIT=$limit)"
