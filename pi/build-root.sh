#!/usr/bin/env bash
# Build (once) an arm64 Debian Bookworm userland: the bin's OS, less Raspberry Pi's own packages.
# No binfmt_misc here, so only debootstrap's first stage runs (download + base unpack); every
# downloaded .deb is then unpacked with dpkg -x, which runs no maintainer scripts.
# usage: build-root.sh ROOT    (PI_MIRROR overrides the Debian mirror taken from apt's config)
# Exit 75 after one "SKIP pi-check: ..." line when the mirror cannot be reached.
set -euo pipefail
shopt -s nullglob
root=$1

# The Debian packages the deploy takes from apt (deploy/remote/install.sh): Python 3.11, venv
# (with the pip and setuptools wheels it seeds a venv with), numpy 1.24. Its python3-picamera2 and
# python3-lgpio are Raspberry Pi's own, not Debian's, and the demo needs neither.
packages=python3,python3-venv,python3-numpy
want="bookworm arm64 minbase $packages"
[[ -f $root/.built && $(<"$root/.built") == "$want" ]] && exit 0

# The first Debian archive (a URI ending in /debian) in this machine's apt sources.
debian_mirror() {
  local sources=() f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.{list,sources}; do
    [[ -f $f ]] && sources+=("$f")
  done
  ((${#sources[@]})) || sources=(/dev/null)
  awk '
    function take(uri) { if (uri ~ /\/debian\/?$/) { print uri; found = 1; exit } }
    FILENAME ~ /\.sources$/ && $1 == "URIs:" { for (i = 2; i <= NF; i++) take($i) }
    FILENAME ~ /\.list$/ && $1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { take($i); break } }
    END { if (!found) print "http://deb.debian.org/debian" }
  ' "${sources[@]}"
}
mirror=${PI_MIRROR:-$(debian_mirror)}
mirror=${mirror%/}
if ! curl -fsS --max-time 20 -o /dev/null "$mirror/dists/bookworm/Release" 2>/dev/null; then
  echo "SKIP pi-check: Debian mirror $mirror cannot be reached, so no arm64 root can be built"
  exit 75
fi

echo "pi-check: building the arm64 Bookworm root in $root from $mirror (once)"
rm -rf "$root" "$root.tmp"
mkdir -p "$(dirname "$root")"
log=$root.log
if ! debootstrap --foreign --arch=arm64 --variant=minbase --include="$packages" \
  bookworm "$root.tmp" "$mirror" >"$log" 2>&1; then
  tail -n 5 "$log"
  echo "pi-check: debootstrap failed (full log: $log)" >&2
  exit 1
fi
for deb in "$root.tmp"/var/cache/apt/archives/*.deb; do dpkg -x "$deb" "$root.tmp"; done
rm -f "$root.tmp"/var/cache/apt/archives/*.deb
# The links update-alternatives would have made for numpy's BLAS and LAPACK.
lib=$root.tmp/usr/lib/aarch64-linux-gnu
ln -sf blas/libblas.so.3 "$lib/libblas.so.3"
ln -sf lapack/liblapack.so.3 "$lib/liblapack.so.3"
echo "$want" >"$root.tmp/.built"
mv "$root.tmp" "$root"
