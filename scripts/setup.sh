#!/bin/sh
# Installs the Debian 12 packages espnic needs to build and test (as root, or
# through sudo). Does nothing when they are all there already.
set -eu

PACKAGES="
  build-essential cmake pkg-config git ccache
  verilator yosys zlib1g-dev
  libssl-dev libjansson-dev libpcap-dev libcmocka-dev libevent-dev libpci-dev libmnl-dev
  libcap-dev
  libdpdk-dev dpdk
  libmicrohttpd-dev libgnutls28-dev libcurl4-openssl-dev
  libjs-chart.js chromium chromium-driver python3-selenium python3-requests
  clang libclang-rt-14-dev clang-format
  python3 python3-scapy python3-cryptography python3-yaml python3-pytest
  tshark tcpdump iproute2 iputils-ping nftables
  shellcheck tcl
  strongswan strongswan-swanctl charon-systemd libcharon-extra-plugins frr
  libstrongswan-standard-plugins libstrongswan-extra-plugins
"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; the default (no) is fine.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends $missing
