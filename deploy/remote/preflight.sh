# Runs on the bin (as the SSH user) before deploy/deploy.sh changes anything there. Prints the first
# problem as one line and exits 3; prints nothing when the bin can take the service.
# Environment: SUDO (how to become root), PI_ARCH (Debian architecture, default arm64),
# DEPLOY_ROOT (read etc/os-release below it).
set -u
fail() {
	echo "$*"
	exit 3
}

${SUDO-sudo -n} true >/dev/null 2>&1 ||
	fail "no passwordless sudo for $(id -un) (${SUDO-sudo -n} true failed): deploy as a user with a NOPASSWD sudoers rule"

# The userland decides which wheels run: a 32-bit Raspberry Pi OS on a 64-bit kernel still says
# aarch64 in `uname -m`, so ask dpkg.
arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
want=${PI_ARCH:-arm64}
[ "$arch" = "$want" ] ||
	fail "userland is $arch, not $want (kernel: $(uname -m)): install 64-bit Raspberry Pi OS (Bookworm)"

os_release=${DEPLOY_ROOT:-}/etc/os-release
[ -r "$os_release" ] || fail "cannot read $os_release: not Raspberry Pi OS / Debian 12 (bookworm)"
# shellcheck disable=SC1090
. "$os_release"
case " ${ID:-} ${ID_LIKE:-} " in
*" debian "*) debian_like=1 ;;
*) debian_like=0 ;;
esac
if [ "$debian_like" != 1 ] || [ "${VERSION_CODENAME:-}" != bookworm ]; then
	fail "runs ${PRETTY_NAME:-an unknown OS}, not Raspberry Pi OS / Debian 12 (bookworm), whose Python 3.11 the pinned wheels need"
fi

command -v rsync >/dev/null || fail "rsync is missing there: sudo apt install rsync"
