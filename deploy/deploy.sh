#!/usr/bin/env bash
# make deploy: stage the device runtime, model and unit; for each bin check it, rsync the stage
# there (only changed files travel) and run deploy/remote/install.sh on it as root.
#   deploy/deploy.sh HOST...      (MODEL=path/to/model.tflite; see common.sh for the other settings)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=deploy/common.sh
. "$here/common.sh"
need_hosts deploy "$@"

model=${MODEL:-models/smartbin_int8.tflite}
sidecar=${model%.tflite}.json
[ -f "$model" ] || die "model file $model not found: run \`make convert\` or pass MODEL=path/to/model.tflite"
[ -f "$sidecar" ] || die "sidecar $sidecar not found beside $model (\`make convert\` writes both)"

# The staged tree: what the bin gets, and nothing else (no train/, convert/ or data).
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
chmod 755 "$stage"
copy() { rsync -a --exclude=__pycache__ --exclude='*.pyc' "$@"; }
mkdir -p "$stage/models"
copy "$here/../device" "$here/../systemd/smartbin.service" "$here/requirements-pi.txt" "$stage/"
copy "$here/remote" "$stage/"
copy "$model" "$sidecar" "$stage/models/"
split=${model%.tflite}.split.csv
[ -f "$split" ] && copy "$split" "$stage/models/"

preflight() {
	local host=$1 out rc=0 last
	out=$(ssh_to "$host" "env SUDO=$(printf %q "$sudo_cmd") PI_ARCH=$(printf %q "${PI_ARCH:-arm64}") \
DEPLOY_ROOT=$(printf %q "${DEPLOY_ROOT:-}") bash -s" <"$here/remote/preflight.sh" 2>&1) || rc=$?
	[ $rc = 0 ] && return 0
	last=$(tr -d '\r' <<<"$out" | tail -n1)
	if [ $rc = 255 ]; then
		echo "error: $host: SSH failed ($last); check the address and that \`ssh $host\` works without a password" >&2
	else
		echo "error: $host: $last" >&2
	fi
	return 2
}

deploy_host() {
	local host=$1 changes
	preflight "$host" || return
	changes=$(rsync -a --checksum --omit-dir-times --delete --mkpath --itemize-changes \
		-e "${ssh_base[*]} ${SSH_OPTS:-}" "$stage/" "$host:$remote_stage/") || {
		echo "error: $host: rsync to $remote_stage failed" >&2
		return 1
	}
	echo "$host: rsync sent $(grep -c . <<<"$changes" || true) change(s)"
	[ -z "$changes" ] || echo "  ${changes//$'\n'/$'\n'  }"
	ssh_to "$host" "$(remote_root_env) bash $(printf %q "$remote_stage/remote/install.sh") $(printf %q "$remote_stage")" ||
		return 1
}

failed=() status=0
for host; do
	deploy_host "$host" || {
		rc=$?
		failed+=("$host")
		[ $status != 0 ] || status=$rc
	}
done
if [ $# -gt 1 ] && [ $status != 0 ]; then
	echo "error: deploy failed on ${failed[*]}" >&2
fi
exit $status
