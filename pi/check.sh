#!/usr/bin/env bash
# make pi-check: run the device's demo on an emulated arm64 Raspberry Pi OS-like userland (Debian
# Bookworm, Python 3.11, numpy from apt, the deploy's pinned aarch64 wheels) under QEMU user mode.
# Environment: MODEL, SAMPLES, LIMIT (items to sort), PI_RUNTIME (a runtime pin that replaces the
# deploy's, e.g. tflite-runtime==2.14.0), PI_CPU (the emulated core: cortex-a72 = Pi 4, the
# default; cortex-a76 = Pi 5), PI_REQUIREMENTS, PI_CACHE, PY (host Python with pip and the device).
# The check passes only when the emulated bin predicts the same class for every item as this
# machine does with the same model and photos.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${MODEL:-models/smartbin_int8.tflite}
samples=${SAMPLES:-models/samples}
limit=${LIMIT:-5}
reqs=${PI_REQUIREMENTS:-deploy/requirements-pi.txt}
runtime=${PI_RUNTIME:-}
cache=${PI_CACHE:-.cache/pi-root}
# QEMU's default "max" core has instructions no Raspberry Pi has (i8mm, SVE, ...): LiteRT picks
# kernels for them and, under QEMU 7.2, ai-edge-litert 2.1.6 then computes wrong classes. Emulate
# the Pi's own core so the kernels chosen are the ones the bin runs.
cpu=${PI_CPU:-cortex-a72}

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
[[ $cpu =~ ^(cortex-a53|cortex-a72|cortex-a76|max)$ ]] ||
  fail 2 "PI_CPU=$cpu: expected cortex-a53 (Pi 3/Zero 2), cortex-a72 (Pi 4), cortex-a76 (Pi 5) or max"
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
    QEMU_LD_PREFIX="$root" QEMU_CPU="$cpu" qemu-aarch64-static -L "$root" "$root/usr/bin/python3.11" "$@"
}
emulate -c 'import platform, sys, numpy
from_apt = numpy.__file__.endswith("/usr/lib/python3/dist-packages/numpy/__init__.py")
print(f"pi-check: emulated {platform.machine()}, Python {platform.python_version()}, numpy",
      numpy.__version__, "from apt" if from_apt else f"from {numpy.__file__}", "under", sys.argv[1])
sys.exit(platform.machine() != "aarch64" or not from_apt)' "$(qemu-aarch64-static --version | head -n 1)" ||
  fail 1 "FAIL: the emulated interpreter is not aarch64 with apt's numpy"

# The reference: the same demo on this machine (its interpreter, its CPU).
demo=(-m device demo --model "$model" --samples "$samples" --limit "$limit" --threads 1)
reference=$(${PY:-python3} "${demo[@]}" 2>/dev/null) || fail 1 "FAIL: the demo failed on this machine"
predicted() { grep -oE '^ *[0-9]+ .* predicted [a-z_]+' | awk '{ print $1, $2, $NF }'; }

start=$EPOCHREALTIME
status=0
output=$(emulate "${demo[@]}") || status=$?
echo "$output"
((status > 128)) && fail 1 "FAIL: the demo was killed by signal $((status - 128)) on emulated arm64 ($cpu)"
((status == 0)) || fail 1 "FAIL: the demo exited with status $status on emulated arm64 ($cpu)"
seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
differ=$(diff <(predicted <<<"$reference") <(predicted <<<"$output") | grep -cE '^>' || true)
((differ == 0)) ||
  fail 1 "FAIL: $differ of $limit items classified differently on emulated arm64 ($cpu) than here: $(diff <(predicted <<<"$reference") <(predicted <<<"$output") | grep -E '^>' | head -n 1 | cut -c3-)"
echo "pi-check: PASS: the demo ran on emulated arm64 Bookworm ($cpu) in ${seconds} s (LIMIT=$limit)," \
  "every item classified as on this machine"
