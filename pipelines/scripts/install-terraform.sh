#!/usr/bin/env bash
# Puts one pinned Terraform release first on the job's PATH, verified on every use, cached or not:
#   the release zip, HashiCorp's SHA256SUMS and its signature are cached per version in <tools-dir>; every run
#   imports HashiCorp's release key into an empty keyring, checks its fingerprint (pinned below), verifies the
#   signature of SHA256SUMS and the zip's SHA-256 against it, then extracts the binary into a directory of this
#   job only ($AGENT_TEMPDIRECTORY, emptied after every job). A cached binary is never executed, so nothing a
#   pull-request job leaves in the agent's tool cache can run in a later deploy job. A cache that fails
#   verification is thrown away and downloaded once more; failing again fails the job.
# Usage: install-terraform.sh <version> <tools-dir>      Needs: curl, gpg, unzip, sha256sum.
# TERRAFORM_RELEASES_URL may point at a mirror: the signature check makes a mirror as trustworthy as the origin.
set -euo pipefail

# HashiCorp's release signing key (https://www.hashicorp.com/security).
readonly HASHICORP_KEY_FINGERPRINT=C874011F0AB405110D02105534365D9472D7468F
readonly RELEASES="${TERRAFORM_RELEASES_URL:-https://releases.hashicorp.com/terraform}"
readonly KEY_URL="${HASHICORP_KEY_URL:-https://www.hashicorp.com/.well-known/pgp-key.txt}"

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

cache="$tools/$version/linux_$arch"
zip="terraform_${version}_linux_${arch}.zip"
sums="terraform_${version}_SHA256SUMS"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

download() {
  rm -rf "$cache"
  mkdir -p "$cache"
  for file in "$zip" "$sums" "$sums.sig"; do
    curl -fsSL --retry 3 -o "$cache/$file" "$RELEASES/$version/$file"
  done
  curl -fsSL --retry 3 -o "$cache/hashicorp.asc" "$KEY_URL"
}

# Verifies the cached files; prints why not on stderr.
verify() {
  local gnupg
  gnupg="$(mktemp -d "$work/gnupg.XXXXXX")"
  chmod 700 "$gnupg"
  for file in "$zip" "$sums" "$sums.sig" hashicorp.asc; do
    [[ -f "$cache/$file" ]] || { echo "install-terraform: $cache/$file is missing" >&2; return 1; }
  done
  GNUPGHOME="$gnupg" gpg --batch --quiet --import "$cache/hashicorp.asc" 2>/dev/null || { echo "install-terraform: the cached key does not import" >&2; return 1; }
  if ! GNUPGHOME="$gnupg" gpg --batch --with-colons --fingerprint | grep -q "^fpr:::::::::${HASHICORP_KEY_FINGERPRINT}:"; then
    echo "install-terraform: the key is not HashiCorp's release key $HASHICORP_KEY_FINGERPRINT" >&2
    return 1
  fi
  # --trust-model always: the key is trusted by its pinned fingerprint. The key file may hold other keys next to
  # HashiCorp's (it is a cached file too), so the signature must come from the pinned key: VALIDSIG's last field
  # is the signing key's primary fingerprint (gnupg doc/DETAILS).
  local status
  if ! status="$(GNUPGHOME="$gnupg" gpg --batch --quiet --status-fd 1 --trust-model always --verify "$cache/$sums.sig" "$cache/$sums" 2>/dev/null)" \
    || ! grep -Eq "^\[GNUPG:\] VALIDSIG .* ${HASHICORP_KEY_FINGERPRINT}\$" <<<"$status"; then
    echo "install-terraform: the signature of $sums does not verify with HashiCorp's key" >&2
    return 1
  fi
  (cd "$cache" && grep " ${zip}\$" "$sums" | sha256sum --check --strict --quiet -) \
    || { echo "install-terraform: $zip does not match its SHA-256 in the signed $sums" >&2; return 1; }
}

if [[ -f "$cache/$zip" ]] && verify; then
  echo "terraform $version: cached release verified (signature + SHA-256)"
else
  [[ -e "$cache" ]] && echo "install-terraform: discarding the cached copy in $cache" >&2
  download
  verify
  echo "terraform $version: downloaded and verified (signature + SHA-256)"
fi

# A directory only this job uses; the binary comes out of the zip that was just verified.
dest="${AGENT_TEMPDIRECTORY:-$work/keep}/terraform-$version"
rm -rf "$dest"
mkdir -p "$dest"
unzip -o -q "$cache/$zip" terraform -d "$dest"
if [[ -z "${AGENT_TEMPDIRECTORY:-}" ]]; then
  # Outside a pipeline there is no per-job directory: keep the extracted binary beyond this script's cleanup.
  keep="$(mktemp -d)"
  mv "$dest" "$keep/"
  dest="$keep/terraform-$version"
fi
echo "##vso[task.prependpath]$dest"
"$dest/terraform" version
