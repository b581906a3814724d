#!/usr/bin/env bash
# make status | logs | undeploy | servo-test: the same action on each bin in PI.
#   deploy/bins.sh ACTION HOST...     (settings: see common.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=deploy/common.sh
. "$here/common.sh"
action=$1
need_hosts "$@"
shift
unit=smartbin.service

# A terminal on the bin when there is one here (and one bin), so Ctrl-C reaches the remote command.
tty=()
if [ -t 0 ] && [ $# -eq 1 ]; then
	tty=(-t)
fi

on_host() {
	local host=$1
	case $action in
	status)
		ssh_to "$host" "$(printf %q "${SYSTEMCTL:-systemctl}") status --no-pager --lines=10 $unit; \
rc=\$?; echo release: \$(readlink $(printf %q "${DEPLOY_ROOT:-}/opt/smartbin/current")); exit \$rc"
		;;
	logs)
		ssh_to "${tty[@]}" "$host" "$sudo_cmd $(printf %q "${JOURNALCTL:-journalctl}") --unit=$unit --follow --lines=50 --no-pager"
		;;
	undeploy)
		run_remote_script "$host" uninstall.sh
		ssh_to "$host" "rm -rf $(printf %q "$remote_stage")"
		;;
	servo-test)
		# The script from the stage that the last deploy sent.
		ssh_to "${tty[@]}" "$host" "$(remote_root_env) bash $(printf %q "$remote_stage/remote/servo-test.sh") ${SERVO_ARGS:-}"
		;;
	*) die "unknown action $action: status | logs | undeploy | servo-test" ;;
	esac
}

if [ $# -eq 1 ]; then
	on_host "$1"
	exit
fi
[ "$action" != servo-test ] || die "servo-test calibrates one bin at a time: PI=pi@smartbin.local"
status=0
for host; do
	if [ "$action" = logs ]; then
		on_host "$host" 2>&1 | sed -u "s/^/[$host] /" &
	else
		echo "== $host"
		on_host "$host" || status=$?
	fi
done
wait
exit $status
