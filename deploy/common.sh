# Shared by the workstation-side deploy scripts (sourced): one-line errors, ssh, remote environment.
# Settings come from the environment (the Makefile passes MODEL, SUDO, SSH_OPTS, PURGE):
#   SSH_OPTS      extra ssh options, e.g. "-p 2222 -i ~/.ssh/bin_key"
#   SUDO          how to become root on the bin (default "sudo -n"; empty when logging in as root)
#   REMOTE_STAGE  where rsync keeps the staged tree on the bin (default ~/.cache/smartbin/stage)
#   DEPLOY_ROOT SYSTEMCTL APT_GET JOURNALCTL PIP_EXTRA READY_TIMEOUT READY_SETTLE PURGE PI_ARCH
#                 passed on to the scripts that run on the bin (see deploy/remote/*.sh)

die() {
	echo "error: $*" >&2
	exit 2
}

sudo_cmd=${SUDO-sudo -n}
# shellcheck disable=SC2034  # used by the scripts that source this file
remote_stage=${REMOTE_STAGE:-.cache/smartbin/stage}
read -r -a ssh_extra <<<"${SSH_OPTS:-}"
ssh_base=(ssh -o BatchMode=yes -o ConnectTimeout="${SSH_TIMEOUT:-10}" -o LogLevel=ERROR)

ssh_to() { "${ssh_base[@]}" "${ssh_extra[@]}" "$@"; }

need_hosts() {
	[ $# -gt 1 ] || die "PI is not set: make $1 PI=pi@smartbin.local (several bins: PI=\"bin1 bin2\")"
}

# The remote command prefix: become root and pass the settings that were given here.
remote_root_env() {
	local v cmd="$sudo_cmd env"
	for v in DEPLOY_ROOT SYSTEMCTL APT_GET JOURNALCTL PIP_EXTRA READY_TIMEOUT READY_SETTLE PURGE; do
		[ -n "${!v:-}" ] && cmd+=" $v=$(printf %q "${!v}")"
	done
	echo "$cmd"
}

# Runs deploy/remote/SCRIPT on HOST as root, the script sent on standard input.
run_remote_script() {
	local host=$1 script=$2
	shift 2
	ssh_to "$host" "$(remote_root_env) bash -s -- $*" <"$(dirname "${BASH_SOURCE[0]}")/remote/$script"
}
