#!/usr/bin/env bash
# Installs one pinned Terraform release and puts it first on the job's PATH. The zip is checked against
# HashiCorp's SHA256SUMS, and that file's signature against HashiCorp's release key, whose fingerprint is pinned
# here: a tampered download or mirror fails the job instead of running.
# Usage: install-terraform.sh <version> <tools-dir>      Needs: curl, gpg, unzip, sha256sum.
set -euo pipefail

# HashiCorp's release signing key (https://www.hashicorp.com/security).
readonly HASHICORP_KEY_FINGERPRINT=C874011F0AB405110D02105534365D9472D7468F

version="${1:?usage: install-terraform.sh <version> <tools-dir>}"
tools="${2:?usage: install-terraform.sh <version> <tools-dir>}"
if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "install-terraform: \"$version\" is not a release version (x.y.z)" >&2
  exit 2
fi
case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "install-terraform: unsupported machine $(uname -m)" >&2; exit 2 ;;
esac

dest="$tools/$version/linux_$arch"
if [[ -x "$dest/terraform" ]]; then
  echo "terraform $version already in $dest (agent tool cache)"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  base="https://releases.hashicorp.com/terraform/$version"
  zip="terraform_${version}_linux_${arch}.zip"
  sums="terraform_${version}_SHA256SUMS"
  for file in "$zip" "$sums" "$sums.sig"; do
    curl -fsSL --retry 3 -o "$work/$file" "$base/$file"
  done
  curl -fsSL --retry 3 -o "$work/hashicorp.asc" https://www.hashicorp.com/.well-known/pgp-key.txt

  export GNUPGHOME="$work/gnupg"
  mkdir -m 700 "$GNUPGHOME"
  gpg --batch --quiet --import "$work/hashicorp.asc"
  if ! gpg --batch --with-colons --fingerprint | grep -q "^fpr:::::::::${HASHICORP_KEY_FINGERPRINT}:"; then
    echo "install-terraform: the downloaded key is not HashiCorp's release key $HASHICORP_KEY_FINGERPRINT" >&2
    exit 1
  fi
  gpg --batch --verify "$work/$sums.sig" "$work/$sums"
  (cd "$work" && grep " ${zip}\$" "$sums" | sha256sum --check --strict -)

  mkdir -p "$dest"
  unzip -o -q "$work/$zip" terraform -d "$dest"
fi
echo "##vso[task.prependpath]$dest"
"$dest/terraform" version
