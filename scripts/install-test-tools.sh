#!/usr/bin/env bash
# Installs the Debian tools the test suite runs as real validators: cloud-init (schema), shellcheck,
# PostgreSQL (the tool's storage tests), Chromium (browser test), unzip (Helm from the npm layer), yamllint,
# bind9-utils (named-checkconf on the generated BIND forwarders), gnupg + zip (the Terraform installer's signature test).
# Idempotent; needs root (CI runs as root) or sudo.
set -euo pipefail

packages=(cloud-init shellcheck postgresql chromium unzip yamllint bind9-utils gnupg zip)
missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "test tools present: ${packages[*]}"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
echo "installing: ${missing[*]}"
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
