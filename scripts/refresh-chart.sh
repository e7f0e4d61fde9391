#!/usr/bin/env bash
# Refreshes the archive of one pinned upstream chart after a version bump in constructs/platform/chart-versions.ts:
# fetches the chart at exactly the pinned version from its source into charts/upstream/<chart>-<version>.tgz,
# records its SHA-256 in charts/upstream/SHA256SUMS, and drops the archive (and checksum) of the version it replaces.
#   Helm repository pins:   helm pull <chart> --repo <repository> --version <version>
#   Git pins (pin.git):     git clone --branch <ref> <repository>; helm dependency build; helm package <path>
# Then: update the chart's row in charts/upstream/SOURCE.md (source, ref, licence), read the upgrade notes the pin
# names, and run the render test (npx jest test/charts/platform-render.test.ts); docs/chart.md, "Bumping a chart".
# Needs network access to the source, git, node, tar and sha256sum; Helm comes from scripts/setup-helm.sh.
#
# Usage: scripts/refresh-chart.sh <pin-key>          e.g. scripts/refresh-chart.sh traefik
#   CHART_PIN_JSON       the pin as JSON instead of reading it from the compiled chart-versions (tests)
#   UPSTREAM_CHARTS_DIR  target directory (default: <repo>/charts/upstream)
set -euo pipefail

log() { printf 'refresh-chart: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

key="${1:?usage: refresh-chart.sh <pin-key> (a key of CHART_VERSIONS in constructs/platform/chart-versions.ts)}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${UPSTREAM_CHARTS_DIR:-${repo_root}/charts/upstream}"
[[ -f "${dir}/SHA256SUMS" ]] || die "${dir}/SHA256SUMS not found"

pin_json="${CHART_PIN_JSON:-}"
if [[ -z "${pin_json}" ]]; then
  (cd "${repo_root}" && npm run --silent build) >&2
  # shellcheck disable=SC2016 # JavaScript, not shell: the ${...} are template literals
  pin_json="$(node -e '
    const { CHART_VERSIONS } = require(process.argv[1]);
    const pin = CHART_VERSIONS[process.argv[2]];
    if (!pin) { console.error(`no pin "${process.argv[2]}"; allowed: ${Object.keys(CHART_VERSIONS).join(", ")}`); process.exit(1); }
    console.log(JSON.stringify(pin));
  ' "${repo_root}/dist/constructs/platform/chart-versions.js" "${key}")"
fi
# shellcheck disable=SC2016 # JavaScript in single quotes
field() { node -e 'const v = process.argv[2].split(".").reduce((o, k) => (o == null ? undefined : o[k]), JSON.parse(process.argv[1])); process.stdout.write(v == null ? "" : String(v));' "${pin_json}" "$1"; }
repository="$(field repository)"
chart="$(field chart)"
version="$(field version)"
git_path="$(field git.path)"
git_ref="$(field git.ref)"
[[ "${chart}" =~ ^[a-z0-9][a-z0-9-]*$ ]] || die "chart name '${chart}' is not a chart name"
[[ "${version}" =~ ^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || die "version '${version}' is not one exact version"
archive="${chart}-${version}.tgz"

helm="$(bash "${repo_root}/scripts/setup-helm.sh")"
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
mkdir -p "${work}/out"

if [[ -n "${git_path}" ]]; then
  log "packaging ${git_path} of ${repository} at ${git_ref}"
  git clone --quiet --depth 1 --branch "${git_ref}" "${repository}" "${work}/src" 2>&1 | sed 's/^/git: /' >&2
  chart_dir="${work}/src/${git_path}"
  [[ -f "${chart_dir}/Chart.yaml" ]] || die "${git_path}/Chart.yaml not found at ${git_ref}"
  # Symlinked files (e.g. CRDs shared with the project) are packaged as their content, as release builds do.
  cp -rL "${chart_dir}" "${work}/chart"
  if grep -q '^dependencies:' "${work}/chart/Chart.yaml"; then "${helm}" dependency build "${work}/chart" >&2; fi
  "${helm}" package "${work}/chart" --destination "${work}/out" >&2
else
  log "pulling ${chart} ${version} from ${repository}"
  "${helm}" pull "${chart}" --repo "${repository}" --version "${version}" --destination "${work}/out" >&2
fi

produced="$(find "${work}/out" -name '*.tgz' -print -quit)"
[[ -n "${produced}" ]] || die "no archive produced"
packaged_version="$(tar -xzOf "${produced}" "${chart}/Chart.yaml" | sed -n 's/^version:[[:space:]]*"\{0,1\}\([^"]*\)"\{0,1\}[[:space:]]*$/\1/p' | head -n 1)"
[[ "${packaged_version}" == "${version}" ]] || die "the fetched chart is version '${packaged_version}', the pin says '${version}'"

# Replace the previous archive of this chart, keep the others.
for old in "${dir}/${chart}"-*.tgz; do
  [[ -e "${old}" && "$(basename "${old}")" != "${archive}" ]] || continue
  if [[ "$(basename "${old}")" =~ ^${chart}-v?[0-9]+\.[0-9]+\.[0-9]+ ]]; then
    log "removing $(basename "${old}")"
    rm -f "${old}"
  fi
done
cp "${produced}" "${dir}/${archive}"
sum="$(sha256sum "${dir}/${archive}" | cut -d' ' -f1)"
{
  grep -v -E "  ${chart}-v?[0-9]+\.[0-9]+\.[0-9]+[^ ]*\.tgz$" "${dir}/SHA256SUMS" || true
  printf '%s  %s\n' "${sum}" "${archive}"
} | sort -k2 > "${work}/SHA256SUMS"
mv "${work}/SHA256SUMS" "${dir}/SHA256SUMS"
log "recorded ${archive} (sha256 ${sum})"
log "next: update ${archive}'s row in SOURCE.md, read the pin's upgradeNotes, run npx jest test/charts/platform-render.test.ts"
printf '%s\n' "${dir}/${archive}"
