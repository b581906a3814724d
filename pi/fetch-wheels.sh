#!/usr/bin/env bash
# Install pinned requirements into SITE as the deploy's pip gets them in a --system-site-packages
# venv on the bin: aarch64 CPython 3.11 wheels only, resolved against the Python packages apt put in
# the root (Bookworm's numpy 1.24.2), so a pin whose metadata does not admit them fails here, and
# against the pip/setuptools wheels Debian seeds every venv with. The apt ones are not installed:
# they are imported from the root, as on the bin. Does nothing when SITE is already complete.
# usage: fetch-wheels.sh ROOT REQUIREMENTS SITE    (PY: a host Python with pip; default python3)
set -euo pipefail
shopt -s nullglob
root=$1 reqs=$2 site=$3
[[ -f $site/.done ]] && exit 0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# name==version of every Python distribution apt put in the root.
for meta in "$root"/usr/lib/python3/dist-packages/*.{egg,dist}-info; do
  [[ -d $meta ]] && meta=$(find "$meta" -maxdepth 1 \( -name PKG-INFO -o -name METADATA \) | head -n 1)
  awk '/^Name:/ { name = $2 } /^Version:/ { print name "==" $2; exit }' "$meta"
done >"$work/from-apt.txt"
# The wheels python3 -m venv seeds a new venv with.
seeds=$root/usr/share/python-wheels
for wheel in "$seeds"/*.whl; do
  basename "$wheel" | awk -F- '{ print $1 "==" $2 }'
done >"$work/in-venv.txt"

# The wheel tags pip accepts on the bin: glibc 2.36 (Bookworm) on aarch64, CPython 3.11.
tags=(--only-binary=:all: --python-version 3.11 --implementation cp --abi cp311 --abi abi3 --abi none
  --platform manylinux2014_aarch64)
for minor in $(seq 17 36); do tags+=(--platform "manylinux_2_${minor}_aarch64"); done

if ! "${PY:-python3}" -m pip download --progress-bar off "${tags[@]}" -d "$work/wheels" \
  --find-links "$seeds" -r "$reqs" -c "$work/from-apt.txt" -c "$work/in-venv.txt" >"$work/pip.log" 2>&1; then
  grep -E '^(ERROR|    )' "$work/pip.log" >&2 || tail -n 5 "$work/pip.log" >&2
  echo "pi-check: no aarch64 CPython 3.11 wheels for $reqs that admit apt's" \
    "$(paste -sd ' ' "$work/from-apt.txt") (pip's reason above)" >&2
  exit 1
fi

# Leave out what apt provides (wheel names are normalised: lower case, "_" for "-" and ".").
apt_names=$(sed 's/==.*//; s/[-_.]\+/_/g; s/.*/\L&/' "$work/from-apt.txt" | paste -sd '|')
wheels=()
for wheel in "$work"/wheels/*.whl; do
  name=${wheel##*/}
  name=${name%%-*}
  [[ ${name,,} =~ ^($apt_names)$ ]] || wheels+=("$wheel")
done
rm -rf "$site"
"${PY:-python3}" -m pip install -q --no-deps --no-index --target "$site" "${tags[@]}" "${wheels[@]}"
touch "$site/.done"
