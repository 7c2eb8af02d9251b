#!/usr/bin/env bash
# Builds target/release/bundle/deb/syncflow_<version>_<arch>.deb from the release binary with dpkg-deb.
# (The Tauri CLI wants tauri.conf.json next to the crate; this repository keeps it at the top level, so we package
# directly: one binary, a .desktop entry, the icons, and the runtime libraries as dependencies.)
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(grep -m1 '"version"' tauri.conf.json | sed -E 's/.*"([0-9][^"]*)".*/\1/')
arch=$(dpkg --print-architecture)
root=target/release/bundle/deb/root
rm -rf "$root"; mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/applications"
install -m 755 target/release/syncflow "$root/usr/bin/syncflow"
for size in 32 128 256 512; do
  src=icons/${size}x${size}.png
  [ "$size" = 256 ] && src="icons/128x128@2x.png"
  [ "$size" = 512 ] && src="icons/icon.png"
  mkdir -p "$root/usr/share/icons/hicolor/${size}x${size}/apps"
  install -m 644 "$src" "$root/usr/share/icons/hicolor/${size}x${size}/apps/syncflow.png"
done
cat > "$root/usr/share/applications/syncflow.desktop" <<DESKTOP
[Desktop Entry]
Type=Application
Name=SyncFlow
Comment=Keeps ScheduleHub fed with ERP data from APISmith
Exec=syncflow
Icon=syncflow
Categories=Office;
Terminal=false
DESKTOP
cat > "$root/DEBIAN/control" <<CONTROL
Package: syncflow
Version: $version
Architecture: $arch
Maintainer: SyncFlow developers
Depends: libwebkit2gtk-4.1-0, libgtk-3-0, libayatana-appindicator3-1
Section: utils
Priority: optional
Description: Keeps ScheduleHub fed with ERP data from APISmith
 A tray-resident desktop app that runs nightly syncs and lets planners retry and inspect failed records.
CONTROL
out=target/release/bundle/deb/syncflow_${version}_${arch}.deb
dpkg-deb --root-owner-group --build "$root" "$out" >/dev/null
echo "$out"
