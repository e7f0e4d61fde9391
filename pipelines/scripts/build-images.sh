#!/usr/bin/env bash
# Builds the case-assigner images of the commit an environment runs and pushes them to that environment's
# registry, tagged with the commit: <login server>/case-assigner:<commit> (app/Dockerfile; what the chart deploys)
# and <login server>/case-assigner-web:<commit> (app/web/Dockerfile; the UI on its own, for compose or separate
# hosting). The commit is the image.tag of charts/case-assigner/ci/<env>-values.yaml, the file Argo CD deploys
# from, so moving a tag (a reviewed change in Git) is what decides what gets built and run; a tag already in the
# registry is not rebuilt (tags are never overwritten). Each image is built from a clean worktree of exactly that
# commit, not from the checkout the pipeline runs on.
# Needs: az (logged in; AcrPush on the registry), docker with BuildKit, git with the commit fetched (fetchDepth 0),
# and the registry's private endpoint reachable (agents in the hub VNet).
# Usage (inside AzureCLI@2, from the repository root): build-images.sh <env> <registry-name>
set -euo pipefail

env_name="${1:?usage: build-images.sh <env> <registry-name>}"
registry="${2:?usage: build-images.sh <env> <registry-name>}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
values="${repo_root}/charts/case-assigner/ci/${env_name}-values.yaml"

log() { printf 'build-images: %s\n' "$*" >&2; }
die() { printf '##vso[task.logissue type=error]build-images: %s\n' "$*" >&2; exit 1; }

[[ "${env_name}" =~ ^[a-z][a-z0-9-]*$ ]] || die "environment '${env_name}' is not a name such as dev or prod"
[[ "${registry}" =~ ^[a-zA-Z0-9]{5,50}$ ]] || die "registry '${registry}' is not an Azure Container Registry name (5-50 letters and digits)"
[[ -f "${values}" ]] || die "${values} not found: no chart values for environment '${env_name}'"

# image.tag: the first `tag:` line inside the top-level `image:` block.
commit="$(awk '
  /^image:/ { inside = 1; next }
  /^[^[:space:]#]/ { inside = 0 }
  inside && /^[[:space:]]+tag:/ { sub(/^[[:space:]]+tag:[[:space:]]*/, ""); gsub(/["'\'']/, ""); sub(/[[:space:]]*(#.*)?$/, ""); print; exit }
' "${values}")"
[[ "${commit}" =~ ^[0-9a-f]{40}$ ]] || die "image.tag in ${values} is '${commit}'; allowed: a full 40-character commit id"
git -C "${repo_root}" cat-file -e "${commit}^{commit}" 2>/dev/null \
  || die "commit ${commit} is not in this clone (checkout with fetchDepth: 0, and push the commit before naming it)"

login_server="$(az acr show --name "${registry}" --query loginServer --output tsv)"
[[ -n "${login_server}" ]] || die "registry ${registry}: no login server"
az acr login --name "${registry}" >/dev/null

work="$(mktemp -d)"
cleanup() { git -C "${repo_root}" worktree remove --force "${work}/src" >/dev/null 2>&1 || true; rm -rf "${work}"; }
trap cleanup EXIT
checked_out=0

# build_push <repository> <dockerfile>
build_push() {
  local repository="$1" dockerfile="$2"
  local image="${login_server}/${repository}:${commit}"
  if az acr repository show --name "${registry}" --image "${repository}:${commit}" >/dev/null 2>&1; then
    log "${image} already in the registry: not rebuilt"
    return 0
  fi
  if [[ "${checked_out}" == 0 ]]; then
    git -C "${repo_root}" worktree add --detach "${work}/src" "${commit}" >/dev/null
    checked_out=1
  fi
  log "building ${image} from ${dockerfile} at ${commit}"
  DOCKER_BUILDKIT=1 docker build \
    --file "${work}/src/${dockerfile}" \
    --tag "${image}" \
    --label "org.opencontainers.image.revision=${commit}" \
    --label "org.opencontainers.image.source=${BUILD_REPOSITORY_URI:-unknown}" \
    "${work}/src"
  docker push "${image}"
  log "pushed ${image}"
}

build_push case-assigner app/Dockerfile
build_push case-assigner-web app/web/Dockerfile
echo "##vso[task.setvariable variable=CASE_ASSIGNER_IMAGE]${login_server}/case-assigner:${commit}"
