#!/usr/bin/env bash
# Installs the Debian packages the system needs (mosquitto, chromium, nftables, dnsmasq), with sudo where not root,
# or says exactly which package to install where neither works.
set -euo pipefail
need=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
# The portal's browser tests drive Debian's Chromium (headless); fonts so pages render with glyphs.
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
# The edge agent (docs/edge-agent.md) and its network-namespace tests: nft, ip, dnsmasq.
command -v nft >/dev/null 2>&1 || [ -x /usr/sbin/nft ] || need+=(nftables)
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || need+=(iproute2)
command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ] || need+=(dnsmasq-base)
[ ${#need[@]} -eq 0 ] && exit 0
echo "setup: installing Debian packages: ${need[*]}"
if [ "$(id -u)" -eq 0 ]; then SUDO=(); elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=(sudo -n); else
  echo "setup: cannot install ${need[*]} (not root, no sudo): run 'sudo apt-get install ${need[*]}' and try again" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"
# Debian starts the packaged broker on 1883; ours run on free ports with their own config, so it may stay.
