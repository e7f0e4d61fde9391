#!/usr/bin/env bash
# k8s-ensure-token: registers the bootstrap token currently stored in Key Vault in the cluster, with the configured
# TTL, unless it is registered already. Run by control plane 0's readiness gate, which re-runs whenever
# cluster.bootstrapToken.rotation changes: a rotated token becomes valid before new nodes boot, and every token
# still expires on its own (no standing join credential).
set -euo pipefail

# shellcheck source=/dev/null
. "${K8S_BOOTSTRAP_ENV_FILE:-/etc/k8s-bootstrap/node.env}"
export KUBECONFIG=/etc/kubernetes/admin.conf

token=$(kv-secret "$KV_SECRET_BOOTSTRAP_TOKEN")
token_id=${token%%.*}
if kubectl -n kube-system get secret "bootstrap-token-${token_id}" >/dev/null 2>&1; then
  echo "k8s-ensure-token: bootstrap token ${token_id} is registered"
else
  kubeadm token create "$token" --ttl "${K8S_BOOTSTRAP_TOKEN_TTL}" \
    --description "Node join token from Key Vault (rotation ${K8S_BOOTSTRAP_TOKEN_ROTATION})" >/dev/null
  echo "k8s-ensure-token: registered bootstrap token ${token_id} for ${K8S_BOOTSTRAP_TOKEN_TTL}"
fi
