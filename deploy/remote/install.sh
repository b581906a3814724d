#!/usr/bin/env bash
# Installs or upgrades smartbin on the bin from a tree staged by deploy/deploy.sh; run as root.
#   install.sh STAGE_DIR
# Idempotent: an unchanged tree changes nothing and restarts nothing. Everything new is built beside
# the running version; the switch is one symlink, and a release that does not report READY is rolled
# back so the previous one keeps running.
# Environment (for tests and unusual hosts): DEPLOY_ROOT (prefix for /opt, /etc, /var/lib),
# SYSTEMCTL, APT_GET, JOURNALCTL (commands), PIP_EXTRA (extra pip options, e.g. a wheel folder),
# READY_TIMEOUT (seconds to wait for READY), READY_SETTLE (seconds it must then stay up).
set -euo pipefail

stage=$(cd "$1" && pwd)
root=${DEPLOY_ROOT:-}
systemctl=${SYSTEMCTL:-systemctl}
apt_get=${APT_GET:-apt-get}
journalctl=${JOURNALCTL:-journalctl}
ready_timeout=${READY_TIMEOUT:-150}
ready_settle=${READY_SETTLE:-3}
unit=smartbin.service
opt=$root/opt/smartbin
etc=$root/etc/smartbin
unit_path=$root/etc/systemd/system/$unit
apt_packages=(python3-venv python3-numpy python3-picamera2 python3-lgpio)

say() { echo "smartbin: $*"; }
die() {
	echo "error: $*" >&2
	exit 1
}

# Copies $1 to $2 through a temporary file and a rename, only when the content differs.
# Returns 0 when it changed $2.
install_file() {
	cmp -s "$1" "$2" && return 1
	cp "$1" "$2.new"
	chmod 0644 "$2.new"
	mv -f "$2.new" "$2"
}

# Points symlink $2 at $1 with a rename, so readers see the old or the new target, never none.
switch_link() {
	ln -sfn "$1" "$2.new"
	mv -Tf "$2.new" "$2"
}

install_packages() {
	local missing=() p
	for p in "${apt_packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	say "apt: installing ${missing[*]}"
	$apt_get update -q >/dev/null || die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive $apt_get install -y -q --no-install-recommends "${missing[@]}" \
		>/dev/null || die "apt-get could not install ${missing[*]}"
}

in_group() { grep -Eq "^$1:[^:]*:[^:]*:(.*,)?smartbin(,|$)" "$root/etc/group"; }

ensure_user() {
	local prefix=() g
	[ -n "$root" ] && prefix=(--prefix "$root")
	for g in gpio video; do
		grep -q "^$g:" "$root/etc/group" || groupadd "${prefix[@]}" --system "$g"
	done
	if ! grep -q '^smartbin:' "$root/etc/passwd"; then
		say "creating system user smartbin (groups gpio, video)"
		useradd "${prefix[@]}" --system --user-group --groups gpio,video \
			--home-dir /var/lib/smartbin --no-create-home --shell /usr/sbin/nologin \
			--comment "smartbin sorting service" smartbin
	elif ! in_group gpio || ! in_group video; then
		usermod "${prefix[@]}" -a -G gpio,video smartbin
	fi
}

# One venv per requirements file content, built once and shared by the releases that use it.
ensure_venv() {
	local venv=$opt/venvs/$1 site
	[ -e "$venv/.complete" ] && return 0
	say "building the virtual environment $1 (pip install -r requirements-pi.txt)"
	rm -rf "$venv"
	mkdir -p "$opt/venvs"
	/usr/bin/python3 -m venv --system-site-packages "$venv"
	# shellcheck disable=SC2086  # PIP_EXTRA is a list of options
	"$venv/bin/python" -m pip install --no-input --disable-pip-version-check -q \
		--only-binary=:all: ${PIP_EXTRA:-} -r "$stage/requirements-pi.txt" ||
		die "pip could not install requirements-pi.txt (output above); the running version is untouched"
	site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
	# The runtime is imported from the active release, whatever the working directory.
	echo "$opt/current" >"$site/smartbin.pth"
	touch "$venv/.complete"
}

# Copies the staged tree (less the remote scripts) into releases/ID, owned by root.
ensure_release() {
	local venv_id=$2 release=$opt/releases/$1 tmp=$opt/releases/.$1.tmp
	[ -d "$release" ] && return 0
	rm -rf "$tmp"
	mkdir -p "$tmp"
	(cd "$stage" && tar --exclude=./remote -cf - .) | tar -C "$tmp" --no-same-owner -xf -
	# Bytecode now: the service may not write it (ProtectSystem=strict, PYTHONDONTWRITEBYTECODE).
	/usr/bin/python3 -m compileall -q "$tmp/device" >/dev/null
	chmod -R u=rwX,go=rX "$tmp"
	ln -s "../../venvs/$venv_id" "$tmp/venv"
	mv -T "$tmp" "$release"
}

# New example beside the config; the config itself is replaced only while the user never edited
# it (it still equals the example it was installed from).
install_config() {
	local example=$opt/current/device/config.example.toml
	mkdir -p "$etc"
	if [ ! -e "$etc/config.toml" ] || cmp -s "$etc/config.toml" "$etc/config.toml.example"; then
		if [ -e "$etc/config.toml" ]; then
			cp -p "$etc/config.toml" "$etc/.config.toml.previous"
		fi
		install_file "$example" "$etc/config.toml" || true
	elif ! cmp -s "$example" "$etc/config.toml.example"; then
		say "kept your edited $etc/config.toml; the new example is $etc/config.toml.example"
	fi
	install_file "$example" "$etc/config.toml.example" || true
}

state() { $systemctl is-active "$unit" 2>/dev/null || true; }

# Waits until the unit is active (Type=notify: READY=1 was sent) and still is READY_SETTLE later.
wait_ready() {
	local deadline=$((SECONDS + ready_timeout)) s
	while :; do
		s=$(state)
		case $s in
		active)
			sleep "$ready_settle"
			[ "$(state)" = active ] && return 0
			;;
		failed | inactive) return 1 ;;
		esac
		[ $SECONDS -ge "$deadline" ] && return 1
		sleep 1
	done
}

report_failure() {
	echo "error: $unit did not become ready (state: $(state), waited up to ${ready_timeout}s); last journal lines:" >&2
	$journalctl -u "$unit" -n 30 --no-pager >&2 || true
}

rollback() {
	local previous=$1 failed=$2
	if [ -z "$previous" ]; then
		$systemctl stop "$unit" || true
		$systemctl disable --quiet "$unit" || true
		say "stopped and disabled $unit (no previous release to go back to)"
		return
	fi
	switch_link "$previous" "$opt/current"
	if install_file "$opt/$previous/smartbin.service" "$unit_path"; then
		$systemctl daemon-reload
	fi
	if [ -e "$etc/.config.toml.previous" ]; then
		mv -f "$etc/.config.toml.previous" "$etc/config.toml"
	fi
	install_file "$opt/$previous/device/config.example.toml" "$etc/config.toml.example" || true
	$systemctl restart "$unit" || true
	rm -rf "${opt:?}/$failed"
	say "rolled back to release ${previous#releases/}"
}

# Keeps the three most recently used releases (always the current one) and the venvs they use.
prune() {
	local r v keep
	# shellcheck disable=SC2012  # release names are hex digests
	for r in $(cd "$opt/releases" && ls -1t | tail -n +4); do
		if [ "releases/$r" != "$(readlink "$opt/current")" ]; then
			rm -rf "${opt:?}/releases/$r"
		fi
	done
	for v in "$opt"/venvs/*; do
		keep=0
		for r in "$opt"/releases/*/venv; do
			if [ "$(readlink "$r")" = "../../venvs/${v##*/}" ]; then
				keep=1
			fi
		done
		if [ $keep = 0 ]; then
			rm -rf "$v"
		fi
	done
}

main() {
	local venv_id release_id previous target changed=0
	mkdir -p "$opt/releases" "$etc" "$(dirname "$unit_path")"
	exec 9>"$opt/.deploy.lock"
	flock -n 9 || die "another deploy is running on this bin"

	install_packages
	ensure_user
	venv_id=$(sha256sum <"$stage/requirements-pi.txt" | cut -c1-12)
	ensure_venv "$venv_id"
	release_id=$(cd "$stage" && find . -path ./remote -prune -o -type f -print0 | LC_ALL=C sort -z |
		xargs -0 sha256sum | sha256sum | cut -c1-12)
	ensure_release "$release_id" "$venv_id"

	previous=$(readlink "$opt/current" || true)
	target=releases/$release_id
	if [ "$previous" != "$target" ]; then
		touch "$opt/$target"
		switch_link "$target" "$opt/current"
		changed=1
		say "switched to release $release_id${previous:+ (was ${previous#releases/})}"
	fi
	[ -L "$opt/models" ] || ln -sfn current/models "$opt/models"
	rm -f "$etc/.config.toml.previous"
	install_config
	if install_file "$opt/current/smartbin.service" "$unit_path"; then
		$systemctl daemon-reload
		changed=1
	fi
	$systemctl enable --quiet "$unit"
	# A crash loop that hit the start limit would refuse the start below.
	if [ "$(state)" = failed ]; then
		$systemctl reset-failed "$unit"
	fi
	if [ $changed = 1 ]; then
		say "restarting $unit"
		$systemctl restart "$unit" || true
	else
		say "release $release_id already installed; nothing changed"
		$systemctl start "$unit" || true
	fi
	if ! wait_ready; then
		report_failure
		[ "$previous" != "$target" ] && rollback "$previous" "$target"
		exit 1
	fi
	rm -f "$etc/.config.toml.previous"
	prune
	say "running release $release_id: $($systemctl show -p StatusText --value "$unit" 2>/dev/null || true)"
}

main
