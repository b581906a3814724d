#!/usr/bin/env bash
# Runs on the bin (as the SSH user) for bench/remote.sh: the benchmark with the installed runtime,
# the service stopped meanwhile (it holds the camera and shares the CPU) and started again after.
#   on-bin.sh DIR MODEL_NAME [bench options...]    (DIR, relative to $HOME or absolute, holds
#                                                  models/ and samples/)
# The JSON's path is the last line of output. Environment: SUDO, SYSTEMCTL, DEPLOY_ROOT.
set -uo pipefail
case $1 in
/*) dir=$1 ;;
*) dir=$HOME/$1 ;;
esac
model=$2
shift 2
current=${DEPLOY_ROOT:-}/opt/smartbin/current
python=$current/venv/bin/python
systemctl=${SYSTEMCTL:-systemctl}
unit=smartbin.service

if [ ! -x "$python" ]; then
	echo "error: smartbin is not installed on this bin ($python missing): make deploy first" >&2
	exit 2
fi
if [ "$($systemctl is-active "$unit" 2>/dev/null)" = active ]; then
	echo "stopping $unit for the benchmark (started again afterwards)" >&2
	${SUDO-sudo -n} "$systemctl" stop "$unit" || {
		echo "error: could not stop $unit (${SUDO-sudo -n} $systemctl stop failed)" >&2
		exit 2
	}
	trap '${SUDO-sudo -n} "$systemctl" start "$unit"' EXIT
fi
rm -rf "$dir/results"
out=$dir/results/$(hostname)-$(date +%Y%m%d-%H%M%S).json
cd "$current" || exit 1
"$python" -m device bench --model "$dir/models/$model" --samples "$dir/samples" --out "$out" \
	--no-plot "$@" >&2 || exit
echo "$out"
