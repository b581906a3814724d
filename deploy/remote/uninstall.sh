# Runs on the bin as root for `make undeploy`: stops and removes the service and /opt/smartbin.
# Keeps the state (/var/lib/smartbin), logs and config unless PURGE=1, which also removes the user.
# Environment: DEPLOY_ROOT, SYSTEMCTL (see install.sh), PURGE.
set -euo pipefail
root=${DEPLOY_ROOT:-}
systemctl=${SYSTEMCTL:-systemctl}
unit=smartbin.service

if [ -e "$root/etc/systemd/system/$unit" ]; then
	$systemctl disable --now --quiet "$unit" || true
	rm -f "$root/etc/systemd/system/$unit"
	$systemctl daemon-reload
	$systemctl reset-failed "$unit" 2>/dev/null || true
fi
rm -rf "$root/opt/smartbin"
if [ "${PURGE:-}" = 1 ]; then
	rm -rf "$root/var/lib/smartbin" "$root/var/log/smartbin" "$root/etc/smartbin"
	if grep -q '^smartbin:' "$root/etc/passwd"; then
		userdel ${root:+--prefix "$root"} smartbin
	fi
	echo "smartbin: removed the service, /opt/smartbin, its state, logs, config and user"
else
	echo "smartbin: removed the service and /opt/smartbin; kept /var/lib/smartbin, /var/log/smartbin and /etc/smartbin (PURGE=1 removes them)"
fi
