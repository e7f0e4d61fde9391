#!/usr/bin/env bash
# kv-secret NAME: prints the current value of Key Vault secret NAME to stdout.
# Authenticates with this node's user-assigned managed identity (IMDS) and reads the vault through its private
# endpoint. Retries while the identity, the role assignment or the private DNS record are still propagating, and
# says which of them is failing. The value never appears in a command line or a log.
set -euo pipefail

# shellcheck source=/dev/null
. "${K8S_BOOTSTRAP_ENV_FILE:-/etc/k8s-bootstrap/node.env}"

name=${1:?usage: kv-secret NAME}
delay=${KV_DELAY_SECONDS:-10}
# Retry window: Microsoft states a Key Vault role assignment takes "up to 10 minutes (600 seconds)" to apply
# (learn.microsoft.com/azure/key-vault/general/rbac-guide, "Known limits and performance"). The VM boots while
# <env>-cluster still waits 600 s for the deployer's role before writing the secrets (404 meanwhile); the node's
# Key Vault Secrets User roles are created right after and take up to 600 s more (403); plus 5 minutes for the
# identity to reach IMDS and the endpoint's DNS record. KV_DEADLINE (epoch seconds, set by k8s-bootstrap for all
# secrets of one node) bounds the whole step instead.
wait_seconds=${KV_WAIT_SECONDS:-1500}
step=$(( delay > 0 ? delay : 1 ))
if [ -n "${KV_DEADLINE:-}" ]; then
  remaining=$(( KV_DEADLINE - $(date +%s) ))
  wait_seconds=$(( remaining > 0 ? remaining : 0 ))
fi
attempts=${KV_ATTEMPTS:-$(( (wait_seconds + step - 1) / step ))}
[ "$attempts" -ge 1 ] || attempts=1
# One log line on the first failure, whenever the reason changes, and once a minute.
per_minute=$(( 60 / step > 0 ? 60 / step : 1 ))
last=''
imds='http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net'

work=$(mktemp -d /run/kv-secret.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 0700 "$work"

json_field() {
  python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

for attempt in $(seq 1 "$attempts"); do
  if [ -n "${KV_DEADLINE:-}" ] && [ "$attempt" -gt 1 ] && [ "$(date +%s)" -ge "$KV_DEADLINE" ]; then
    attempts=$(( attempt - 1 ))
    break
  fi
  if curl -sS --fail --max-time 10 -H 'Metadata: true' "${imds}&client_id=${KV_IDENTITY_CLIENT_ID}" -o "$work/token.json"; then
    printf 'Authorization: Bearer %s\n' "$(json_field access_token < "$work/token.json")" > "$work/auth.header"
    code=$(curl -sS --max-time 10 -o "$work/secret.json" -w '%{http_code}' -H @"$work/auth.header" \
      "${KV_URI%/}/secrets/${name}?api-version=7.4") || code=000
    if [ "$code" = 200 ]; then
      json_field value < "$work/secret.json"
      exit 0
    fi
    case "$code" in
      403) reason='forbidden: the Key Vault Secrets User role assignment is missing or still propagating' ;;
      404) reason='not found: not written yet (<env>-cluster writes it after its 600 s wait for the deployer role) or the cluster stack was not applied completely' ;;
      000) reason='no answer: the vault name does not resolve or the private endpoint is unreachable' ;;
      *) reason="unexpected HTTP status" ;;
    esac
    message="HTTP ${code} ${reason}"
  else
    message="no token from IMDS for identity ${KV_IDENTITY_CLIENT_ID} yet"
  fi
  if [ "$message" != "$last" ] || [ $(( attempt % per_minute )) -eq 0 ]; then
    echo "kv-secret: ${name}: ${message} (attempt ${attempt}/${attempts})" >&2
  fi
  last=$message
  if [ "$attempt" -lt "$attempts" ]; then sleep "$delay"; fi
done
echo "kv-secret: giving up on ${name} after ${attempts} attempts (${delay} s apart): ${last}" >&2
exit 1
