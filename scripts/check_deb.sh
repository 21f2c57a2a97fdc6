#!/usr/bin/env bash
# Builds the Debian package from the binary the tests already built (cargo deb --no-build
# --profile dev: no release build in CI) and checks what it installs: the program, which runs,
# its menu entry (valid by desktop-file-validate) and its icons. Needs cargo-deb and
# desktop-file-utils (.ci/run installs both).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --bin skiff
deb=$(cargo deb --no-build --profile dev --no-strip 2>/dev/null | tail -1)
[ -f "$deb" ] || { echo "check_deb: cargo deb made no package" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
for path in usr/bin/skiff usr/share/applications/skiff.desktop \
  usr/share/icons/hicolor/256x256/apps/skiff.png usr/share/icons/hicolor/scalable/apps/skiff.svg; do
  [ -f "$root/$path" ] || { echo "check_deb: $deb lacks /$path" >&2; exit 1; }
done
desktop-file-validate "$root/usr/share/applications/skiff.desktop"
"$root/usr/bin/skiff" --version > /dev/null
depends=$(dpkg-deb -f "$deb" Depends)
case "$depends" in *libgl1*) ;; *) echo "check_deb: Depends lacks libgl1: $depends" >&2; exit 1 ;; esac
echo "check_deb: $(basename "$deb") installs skiff, its menu entry and icons ($(du -h "$deb" | cut -f1); Depends: $depends)"
