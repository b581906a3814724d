# Runs on the bin as root for `make servo-test`: stops the service (it owns the GPIO lines), runs
# the servo calibration as the service user, and starts the service again whatever happened.
# Arguments go to `python -m device servo-test` (e.g. --compartment metal --pause 2).
# Environment: SYSTEMCTL (see install.sh).
set -uo pipefail
systemctl=${SYSTEMCTL:-systemctl}
unit=smartbin.service

python=/opt/smartbin/current/venv/bin/python
if [ ! -x $python ]; then
	echo "error: smartbin is not installed on this bin: make deploy first" >&2
	exit 2
fi
$systemctl stop "$unit"
trap '$systemctl start "$unit"' EXIT
install -d -o smartbin -g smartbin -m 0750 /var/lib/smartbin # as StateDirectory= makes it
cd /var/lib/smartbin || exit 1
runuser -u smartbin -- env LG_WD=/var/lib/smartbin STATE_DIRECTORY=/var/lib/smartbin \
	$python -m device servo-test --config /etc/smartbin/config.toml "$@"
