#!/usr/bin/env bash
# make bench-remote PI=pi@host: the latency benchmark on the bin itself, over SSH.
#   bench/remote.sh HOST...
# Sends the models to measure (MODEL and the fp16/fp32 variants beside it, each with its sidecar)
# and the replay photos (SAMPLES) to BENCH_DIR on the bin (default ~/.cache/smartbin/bench), runs the installed
# runtime's `python -m device bench` there (bench/on-bin.sh: the service is stopped meanwhile and
# started again), copies the JSON back into bench/results/ and prints its table and renders its
# PNG here (the bin has no matplotlib).
# Settings (environment): MODEL, SAMPLES, BENCH_ARGS (more bench options, e.g. "--duration 600
# --variants int8 --threads 4"), PY (this machine's Python), and SSH_OPTS, SUDO, DEPLOY_ROOT,
# SYSTEMCTL as for deploy (deploy/common.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=deploy/common.sh
. "$here/../deploy/common.sh"
need_hosts bench-remote "$@"

model=${MODEL:-models/smartbin_int8.tflite}
samples=${SAMPLES:-models/samples}
py=${PY:-.venv/bin/python}
remote_dir=${BENCH_DIR:-.cache/smartbin/bench}
[ -f "$model" ] || die "model file $model not found: run \`make convert\` or pass MODEL=path/to/model.tflite"
[ -d "$samples" ] || die "replay photos $samples not found: pass SAMPLES=DIR (DIR/<class>/*.jpg)"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/models" "$stage/samples"
for variant in int8 fp16 fp32; do
	# the convert stage's naming: smartbin_int8 -> smartbin_fp16 (device/bench/variants.py)
	file=$(dirname "$model")/$(basename "$model" .tflite | sed "s/int8/$variant/").tflite
	[ "$variant" = int8 ] && file=$model
	if [ -f "$file" ] && [ -f "${file%.tflite}.json" ]; then
		cp "$file" "${file%.tflite}.json" "$stage/models/"
	fi
done
cp -R "$samples/." "$stage/samples/"
name=$(basename "$model")

bench_host() {
	local host=$1 json
	rsync -a --delete --mkpath -e "${ssh_base[*]} ${SSH_OPTS:-}" "$stage/" "$host:$remote_dir/" ||
		die "$host: rsync to $remote_dir failed (is \`ssh $host\` working without a password?)"
	json=$(ssh_to "$host" "env SUDO=$(printf %q "$sudo_cmd") DEPLOY_ROOT=$(printf %q "${DEPLOY_ROOT:-}") \
SYSTEMCTL=$(printf %q "${SYSTEMCTL:-systemctl}") bash -s -- $(printf %q "$remote_dir") $(printf %q "$name") \
${BENCH_ARGS:-}" <"$here/on-bin.sh" | tail -n1) || exit $?
	mkdir -p bench/results
	rsync -a -e "${ssh_base[*]} ${SSH_OPTS:-}" "$host:$json" bench/results/ ||
		die "$host: could not copy $json back"
	PYTHONPATH="$here/..${PYTHONPATH:+:$PYTHONPATH}" "$py" -m device bench --plot \
		"bench/results/$(basename "$json")"
}

for host; do
	echo "== $host"
	bench_host "$host"
done
