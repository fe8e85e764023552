#!/usr/bin/env bash
# Fetches Debian 12's i386 kernel (linux-image-686, resolved to the real kernel package) and
# busybox-static from the Debian archive named in this machine's own apt sources, with a private
# apt configuration (sources, lists, cache) that never touches the system's; checks the packages;
# extracts the kernel and builds an initramfs whose init mounts proc, sys and devtmpfs, prints a
# marker and starts a shell on the console. Cached: a second run does nothing.
# Output: images/cache/debian-i386/{vmlinuz,initramfs.cpio.gz}
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${VMI86_GUEST_CACHE:-$here/../cache/debian-i386}
suite=bookworm
if [ -s "$out/vmlinuz" ] && [ -s "$out/initramfs.cpio.gz" ] && [ "$out/initramfs.cpio.gz" -nt "$here/init" ]; then
    exit 0
fi
mkdir -p "$out"
work="$out/apt"
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/sources.list.d" "$work/debs"
: >"$work/status"

# The Debian mirror this machine uses (deb822 .sources or one-line sources.list).
mirror=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1 || true)
[ -n "$mirror" ] || mirror=$(grep -hs '^deb ' /etc/apt/sources.list | awk '{for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) {print $i; exit}}' | grep -v security | head -n1 || true)
[ -n "$mirror" ] || { echo "fetch.sh: no Debian mirror found in /etc/apt/sources.list*" >&2; exit 1; }
echo "deb [arch=i386 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" >"$work/sources.list"

apt_opts=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts="$work/sources.list.d"
          -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache" -o Dir::State::Status="$work/status"
          -o APT::Architecture=i386 -o APT::Architectures=i386 -o Debug::NoLocking=1 -o APT::Sandbox::User=root -qq)
apt-get "${apt_opts[@]}" update
# linux-image-686 is a metapackage: its dependency names the real kernel package.
kernel_pkg=$(apt-cache "${apt_opts[@]}" depends linux-image-686 | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ {print $2; exit}')
[ -n "$kernel_pkg" ] || { echo "fetch.sh: cannot resolve linux-image-686" >&2; exit 1; }
echo "fetch.sh: $kernel_pkg and busybox-static from $mirror" >&2
# apt-get download verifies each .deb against the signed Release file's hashes.
(cd "$work/debs" && apt-get "${apt_opts[@]}" download "$kernel_pkg" busybox-static)
kdeb=$(ls "$work/debs/${kernel_pkg}"_*_i386.deb)
bdeb=$(ls "$work/debs/"busybox-static_*_i386.deb)
for deb in "$kdeb" "$bdeb"; do
    dpkg-deb --info "$deb" >/dev/null || { echo "fetch.sh: $deb is not a valid package" >&2; exit 1; }
done

rm -rf "$work/kernel" "$work/busybox" "$work/root"
dpkg-deb -x "$kdeb" "$work/kernel"
dpkg-deb -x "$bdeb" "$work/busybox"
cp "$(ls "$work"/kernel/boot/vmlinuz-* | head -n1)" "$out/vmlinuz.tmp"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"

root="$work/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,root}
cp "$work/busybox/bin/busybox" "$root/bin/busybox"
cp "$here/init" "$root/init"
chmod 755 "$root/init" "$root/bin/busybox"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9 >"$out/initramfs.cpio.gz.tmp")
mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
echo "fetch.sh: $(basename "$kdeb") -> $out/vmlinuz, initramfs $(stat -c %s "$out/initramfs.cpio.gz") bytes" >&2
