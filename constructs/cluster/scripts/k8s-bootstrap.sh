#!/usr/bin/env bash
# k8s-bootstrap: turns this Ubuntu VM into a Kubernetes node, once, from cloud-init (runcmd).
#
#   kernel -> etcd disk -> packages -> containerd -> images -> secrets (Key Vault) -> [wait] -> kubeadm -> verify
#
# All VMs boot at once; joins are ordered here (bounded, logged waits): after the API accepts the token and, for
# control planes, after the previous one (K8S_JOIN_AFTER) is a healthy etcd member.
#
# Node-specific values come from /etc/k8s-bootstrap/node.env (written by cloud-init; no secrets in it). Success
# writes the sentinel /var/lib/k8s-bootstrap/complete, which the readiness gate (a VM extension) waits for. Any
# failure writes /var/lib/k8s-bootstrap/failed with the step and the reason, so the gate fails at once with that
# message instead of timing out. Full log: /var/log/k8s-bootstrap.log.
set -Eeuo pipefail

# Locations can be overridden only so that test/cluster can run this script in a sandbox.
readonly ENV_FILE=${K8S_BOOTSTRAP_ENV_FILE:-/etc/k8s-bootstrap/node.env}
readonly STATE_DIR=${K8S_BOOTSTRAP_STATE_DIR:-/var/lib/k8s-bootstrap}
readonly LOG=${K8S_BOOTSTRAP_LOG:-/var/log/k8s-bootstrap.log}
readonly RUN_DIR=${K8S_BOOTSTRAP_RUN_DIR:-/run/k8s-bootstrap}
readonly POLL_SECONDS=${K8S_BOOTSTRAP_POLL_SECONDS:-5}
readonly SENTINEL="$STATE_DIR/complete"
readonly FAILED="$STATE_DIR/failed"

# shellcheck source=/dev/null
. "$ENV_FILE"
readonly SEED_DIR=/etc/k8s-bootstrap
readonly PKI=/etc/kubernetes/pki
readonly KEYRING=/etc/apt/keyrings/kubernetes-apt-keyring.gpg

STEP=start

log() {
  printf '%s [%s] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$STEP" "$*"
}

fail() {
  log "FAILED: $*"
  printf 'node=%s step=%s time=%s\n%s\nlog: %s\n' "$K8S_NODE_NAME" "$STEP" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" "$LOG" > "$FAILED"
  exit 1
}

on_error() {
  fail "command failed with exit code $1 at line $2: $3"
}

step() {
  STEP=$1
  log "begin"
}

# retry ATTEMPTS DELAY COMMAND...: runs COMMAND until it succeeds, logging each failed attempt.
retry() {
  local attempts=$1 delay=$2 attempt
  shift 2
  for attempt in $(seq 1 "$attempts"); do
    if "$@"; then
      return 0
    fi
    log "attempt ${attempt}/${attempts} of '$*' failed; retrying in ${delay}s"
    sleep "$delay"
  done
  return 1
}

is_private_ipv4() {
  case "$1" in
    10.*|192.168.*|172.1[6-9].*|172.2[0-9].*|172.3[0-1].*) return 0 ;;
    *) return 1 ;;
  esac
}

prepare_kernel() {
  step kernel
  # Module and sysctl files are written by cloud-init; load them now instead of waiting for a reboot.
  modprobe overlay
  modprobe br_netfilter
  sysctl --system >/dev/null
  [ "$(sysctl -n net.ipv4.ip_forward)" = 1 ] || fail "net.ipv4.ip_forward is not 1 after sysctl --system"
  [ "$(sysctl -n net.bridge.bridge-nf-call-iptables)" = 1 ] || fail "net.bridge.bridge-nf-call-iptables is not 1 (br_netfilter missing?)"
  swapoff -a
  sed -ri '/\sswap\s/s/^([^#])/#\1/' /etc/fstab
  [ -z "$(swapon --noheadings)" ] || fail "swap is still active: kubelet refuses to start with swap on"
}

prepare_etcd_disk() {
  step etcd-disk
  local device="" candidate
  # The data disk is attached after the VM is created: wait for it. NVMe sizes expose data/by-lun, SCSI sizes scsi1.
  for _ in $(seq 1 120); do
    for candidate in "/dev/disk/azure/data/by-lun/${K8S_ETCD_DISK_LUN}" "/dev/disk/azure/scsi1/lun${K8S_ETCD_DISK_LUN}"; do
      if [ -e "$candidate" ]; then
        device=$(readlink -f "$candidate")
        break 2
      fi
    done
    sleep 5
  done
  [ -n "$device" ] || fail "the etcd data disk (LUN ${K8S_ETCD_DISK_LUN}) did not appear within 10 minutes: check the data disk attachment"
  if ! blkid "$device" >/dev/null 2>&1; then
    log "formatting ${device} (ext4, label etcd_disk)"
    mkfs.ext4 -q -L etcd_disk "$device"
  fi
  mkdir -p "$K8S_ETCD_DISK_MOUNT"
  grep -q 'LABEL=etcd_disk' /etc/fstab || echo "LABEL=etcd_disk ${K8S_ETCD_DISK_MOUNT} ext4 defaults,nofail,discard 0 2" >> /etc/fstab
  mountpoint -q "$K8S_ETCD_DISK_MOUNT" || mount "$K8S_ETCD_DISK_MOUNT"
  log "etcd data disk ${device} mounted at ${K8S_ETCD_DISK_MOUNT}"
}

install_packages() {
  step packages
  export DEBIAN_FRONTEND=noninteractive
  local minor=${K8S_VERSION%.*}
  retry 5 20 apt-get update -q
  retry 5 20 apt-get install -y -q apt-transport-https ca-certificates curl gpg containerd
  # One repository per minor version; fetch the key fresh (old keys expire, see docs/cluster.md).
  install -d -m 0755 /etc/apt/keyrings
  retry 5 20 curl -fsSL --max-time 30 "https://pkgs.k8s.io/core:/stable:/v${minor}/deb/Release.key" -o "$RUN_DIR/kubernetes-release.key"
  gpg --batch --yes --dearmor -o "$KEYRING" "$RUN_DIR/kubernetes-release.key"
  echo "deb [signed-by=${KEYRING}] https://pkgs.k8s.io/core:/stable:/v${minor}/deb/ /" > /etc/apt/sources.list.d/kubernetes.list
  retry 5 20 apt-get update -q
  retry 5 20 apt-get install -y -q "kubelet=${K8S_VERSION}-*" "kubeadm=${K8S_VERSION}-*" "kubectl=${K8S_VERSION}-*"
  apt-mark hold kubelet kubeadm kubectl
  log "installed $(kubeadm version -o short), held kubelet kubeadm kubectl"
}

# install_credential_provider: the kubelet's ACR credential provider (nodes whose node.env names one), pinned by
# version and SHA-256. Downloaded over the NAT egress like the packages, verified, and only then installed where
# --image-credential-provider-bin-dir points: a wrong or truncated download stops the bootstrap and installs nothing.
install_credential_provider() {
  [ -n "${ACR_CREDENTIAL_PROVIDER_URL:-}" ] || return 0
  step credential-provider
  local download="$RUN_DIR/acr-credential-provider.download" actual
  [[ "${ACR_CREDENTIAL_PROVIDER_SHA256:-}" =~ ^[0-9a-f]{64}$ ]] \
    || fail "ACR_CREDENTIAL_PROVIDER_SHA256 '${ACR_CREDENTIAL_PROVIDER_SHA256:-}' is not a SHA-256 (64 lower-case hex digits): set cluster.imageCredentialProvider.sha256"
  rm -f "$download"
  retry 5 20 curl -fsSL --max-time 120 "$ACR_CREDENTIAL_PROVIDER_URL" -o "$download" \
    || fail "could not download ${ACR_CREDENTIAL_PROVIDER_URL}: check the node subnet's NAT egress to github.com"
  actual=$(sha256sum "$download" | awk '{ print $1 }')
  if [ "$actual" != "$ACR_CREDENTIAL_PROVIDER_SHA256" ]; then
    rm -f "$download"
    fail "SHA-256 mismatch for ${ACR_CREDENTIAL_PROVIDER_URL}: expected ${ACR_CREDENTIAL_PROVIDER_SHA256}, got ${actual}; nothing installed (a changed release asset, or cluster.imageCredentialProvider.sha256 not taken from this version's asset)"
  fi
  install -d -m 0755 "$ACR_CREDENTIAL_PROVIDER_BIN_DIR"
  install -m 0755 "$download" "$ACR_CREDENTIAL_PROVIDER_BIN_DIR/acr-credential-provider"
  rm -f "$download"
  log "installed acr-credential-provider ${ACR_CREDENTIAL_PROVIDER_VERSION:-} (sha256 ${actual}) in ${ACR_CREDENTIAL_PROVIDER_BIN_DIR}"
}

# edit_containerd_config FILE [PAUSE_IMAGE]: systemd cgroups for runc and kubeadm's pause image, in place.
# containerd 1.x (config version 2) and 2.x (version 3) both print "SystemdCgroup = false" under the runc options
# table; if a default omits the key it is added below that table. The pause image key is sandbox_image in 1.x and
# sandbox (pinned_images) in 2.x.
edit_containerd_config() {
  local config=$1 pause=${2:-}
  if grep -q 'SystemdCgroup = ' "$config"; then
    sed -i 's/SystemdCgroup = false/SystemdCgroup = true/' "$config"
  else
    sed -i '/\.runtimes\.runc\.options\]$/a SystemdCgroup = true' "$config"
  fi
  grep -q 'SystemdCgroup = true' "$config" || fail "could not set SystemdCgroup = true in ${config}"
  if [ -n "$pause" ]; then
    sed -ri "s#^(\s*)(sandbox_image|sandbox) = .*#\1\2 = \"${pause}\"#" "$config"
  fi
}

configure_containerd() {
  step containerd
  local config=/etc/containerd/config.toml pause
  install -d -m 0755 /etc/containerd
  # Regenerate the default: packaged configs may disable the CRI plugin.
  containerd config default > "$config"
  pause=$(kubeadm config images list --kubernetes-version "v${K8S_VERSION}" 2>/dev/null | grep '/pause:' || true)
  edit_containerd_config "$config" "$pause"
  systemctl enable containerd
  systemctl restart containerd
  retry 12 5 test -S /run/containerd/containerd.sock || fail "containerd did not open its socket"
}

pull_images() {
  step images
  # Now, in parallel with the other nodes, not inside a join that waits for the previous member.
  retry 5 20 kubeadm config images pull --kubernetes-version "v${K8S_VERSION}" --cri-socket unix:///var/run/containerd/containerd.sock
}

check_private_dns() {
  step private-dns
  local host ip=""
  host=${KV_URI#https://}
  host=${host%%/*}
  for _ in $(seq 1 30); do
    ip=$(getent ahostsv4 "$host" | awk 'NR == 1 { print $1 }' || true)
    [ -n "$ip" ] && break
    sleep 10
  done
  [ -n "$ip" ] || fail "${host} does not resolve: is privatelink.vaultcore.azure.net linked to this VNet?"
  is_private_ipv4 "$ip" || fail "${host} resolves to ${ip}, a public address: the privatelink.vaultcore.azure.net zone is not linked to this VNet, so the vault's private endpoint is bypassed"
  log "${host} resolves to private address ${ip}"
}

write_key() {
  local secret=$1 target=$2
  install -d -m 0755 "$(dirname "$target")"
  (umask 077 && kv-secret "$secret" > "$target") || fail "Key Vault secret ${secret} not readable by the deadline; the kv-secret lines above say why"
  grep -q 'PRIVATE KEY' "$target" || fail "Key Vault secret ${secret} does not hold a PEM private key"
}

fetch_secrets() {
  step secrets
  # One deadline for all secrets (window: kv-secret.sh). <env>-cluster writes them after its 600 s role wait.
  KV_DEADLINE=$(( $(date +%s) + ${KV_WAIT_SECONDS:-1500} ))
  export KV_DEADLINE
  log "reading the join material from Key Vault for at most $(( (KV_DEADLINE - $(date +%s)) / 60 )) minutes"
  BOOTSTRAP_TOKEN=$(kv-secret "$KV_SECRET_BOOTSTRAP_TOKEN") || fail "Key Vault secret ${KV_SECRET_BOOTSTRAP_TOKEN} not readable by the deadline; the kv-secret lines above say why"
  [[ "$BOOTSTRAP_TOKEN" =~ ^[a-z0-9]{6}\.[a-z0-9]{16}$ ]] || fail "Key Vault secret ${KV_SECRET_BOOTSTRAP_TOKEN} is not a bootstrap token ([a-z0-9]{6}.[a-z0-9]{16})"
  if [ "$K8S_ROLE" != worker ]; then
    # The shared CA material of every control plane (kubeadm HA, manual certificate distribution).
    install -d -m 0755 "$PKI" "$PKI/etcd"
    install -m 0644 "$SEED_DIR/pki/ca.crt" "$PKI/ca.crt"
    install -m 0644 "$SEED_DIR/pki/front-proxy-ca.crt" "$PKI/front-proxy-ca.crt"
    install -m 0644 "$SEED_DIR/pki/etcd-ca.crt" "$PKI/etcd/ca.crt"
    install -m 0644 "$SEED_DIR/pki/sa.pub" "$PKI/sa.pub"
    write_key "$KV_SECRET_CA_KEY" "$PKI/ca.key"
    write_key "$KV_SECRET_FRONT_PROXY_CA_KEY" "$PKI/front-proxy-ca.key"
    write_key "$KV_SECRET_ETCD_CA_KEY" "$PKI/etcd/ca.key"
    write_key "$KV_SECRET_SA_KEY" "$PKI/sa.key"
  fi
  log "fetched join material from Key Vault"
}

hosts_entry() {
  # Control planes reach the API by name on loopback: an Azure internal load balancer drops flows that a backend
  # sends to its own frontend (hairpin).
  sed -i "/\s${K8S_API_HOST}\$/d" /etc/hosts
  echo "$1 ${K8S_API_HOST}" >> /etc/hosts
}

restart_local_kube_proxy() {
  # kube-proxy started during the join, before the loopback entry existed, and the kubelet gives a hostNetwork pod a
  # copy of /etc/hosts made when the pod starts (kubelet_pods.go, ensureHostsFile/nodeHostsFileContent): it keeps
  # reaching the API through the load balancer (the hairpin path above). Recreate this node's pod: the new copy has
  # the loopback entry.
  kubectl --kubeconfig /etc/kubernetes/admin.conf -n kube-system delete pod -l k8s-app=kube-proxy \
    --field-selector "spec.nodeName=${K8S_NODE_NAME}" --wait=false --request-timeout=30s \
    || log "could not recreate kube-proxy on ${K8S_NODE_NAME}; it uses the API load balancer until its pod restarts"
}

render_kubeadm_config() {
  install -d -m 0700 "$RUN_DIR"
  (umask 077 && sed "s/${K8S_TOKEN_PLACEHOLDER}/${BOOTSTRAP_TOKEN}/" "$SEED_DIR/kubeadm.yaml" > "$RUN_DIR/kubeadm.yaml")
}

write_discovery_kubeconfig() {
  # File discovery: the CA is pinned by this file, never skipped. No credentials inside (tlsBootstrapToken is in
  # the JoinConfiguration).
  local ca_data
  ca_data=$(base64 -w0 "$SEED_DIR/pki/ca.crt")
  cat > "$RUN_DIR/discovery.conf" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: ${K8S_CLUSTER_NAME}
  cluster:
    server: https://${K8S_API_HOST}:${K8S_API_PORT}
    certificate-authority-data: ${ca_data}
contexts:
- name: discovery
  context:
    cluster: ${K8S_CLUSTER_NAME}
    user: discovery
current-context: discovery
users:
- name: discovery
  user: {}
KUBECONFIG
}

write_bootstrap_kubeconfig() {
  # Discovery kubeconfig + bootstrap token, 0600, removed after the join.
  (umask 077 && sed '/^users:$/,$d' "$RUN_DIR/discovery.conf" > "$RUN_DIR/bootstrap.conf" && cat >> "$RUN_DIR/bootstrap.conf" <<KUBECONFIG
users:
- name: discovery
  user:
    token: ${BOOTSTRAP_TOKEN}
KUBECONFIG
  )
}

bootstrap_kubectl() {
  kubectl --kubeconfig "$RUN_DIR/bootstrap.conf" --request-timeout=5s "$@"
}

# api_state: empty once the API is ready and accepts this node's bootstrap token, else why not.
api_state() {
  local url="https://${K8S_API_HOST}:${K8S_API_PORT}/readyz"
  if ! curl -fsS --max-time 5 --cacert "$SEED_DIR/pki/ca.crt" "$url" >/dev/null 2>&1; then
    echo "${url} is not ready (the name resolves to '$(getent ahostsv4 "$K8S_API_HOST" | awk 'NR == 1 { print $1 }' || true)'): control plane 0 is not ready yet"
  elif ! bootstrap_kubectl -n kube-system get configmap kubeadm-config -o name >/dev/null 2>&1; then
    echo "the API server does not accept this node's bootstrap token yet (kubeadm init still uploading its configuration, or a rotated token not yet registered by control plane 0's gate)"
  fi
}

# wait_until WHAT HINT CHECK...: until CHECK prints nothing, at most K8S_API_WAIT_MINUTES; logs why once a minute.
wait_until() {
  local what=$1 hint=$2 per_minute attempts attempt state=""
  shift 2
  per_minute=$((POLL_SECONDS > 0 ? 60 / POLL_SECONDS : 12))
  attempts=$((K8S_API_WAIT_MINUTES * per_minute))
  for attempt in $(seq 1 "$attempts"); do
    state=$("$@")
    if [ -z "$state" ]; then
      log "${what}: ready (check ${attempt}/${attempts})"
      return 0
    fi
    if [ "$attempt" -eq 1 ] || [ $((attempt % per_minute)) -eq 0 ]; then
      log "waiting for ${what} (check ${attempt}/${attempts}): ${state}"
    fi
    sleep "$POLL_SECONDS"
  done
  fail "${what}: not ready after ${K8S_API_WAIT_MINUTES} minutes (${attempts} checks): ${state}. ${hint}"
}

wait_for_api() {
  step wait-for-api
  wait_until "the API server https://${K8S_API_HOST}:${K8S_API_PORT} accepting this node's bootstrap token" \
    "Check control plane 0 (its /var/log/k8s-bootstrap.log), the private DNS record and the load balancer probe" api_state
}

# member_state NODE: empty once NODE has the control-plane label (kubeadm's last join step) and its etcd /health on
# the metrics listener (:2381) is true. The token may get nodes (kubeadm:get-nodes) and kubeadm-config.
member_state() {
  local node=$1 labels ip health
  if ! labels=$(bootstrap_kubectl get node "$node" -o jsonpath='{.metadata.labels}' 2>/dev/null); then
    echo "node ${node} is not registered yet"
    return 0
  fi
  case "$labels" in
    *'"node-role.kubernetes.io/control-plane"'*) ;;
    *) echo "node ${node} has not finished its control-plane join (no node-role.kubernetes.io/control-plane label)"; return 0 ;;
  esac
  ip=$(bootstrap_kubectl get node "$node" -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}' 2>/dev/null || true)
  if [ -z "$ip" ]; then
    echo "node ${node} reports no InternalIP yet"
    return 0
  fi
  # No -f: an unhealthy member's 503 body holds the reason.
  health=$(curl -sS --max-time 5 "http://${ip}:2381/health" 2>/dev/null || true)
  case "$health" in
    *'"health":"true"'*) ;;
    *) echo "the etcd member of ${node} (http://${ip}:2381/health) is not healthy: '${health:-no answer}'" ;;
  esac
}

wait_for_previous_member() {
  [ -n "${K8S_JOIN_AFTER:-}" ] || return 0
  step wait-for-previous-member
  wait_until "previous control plane ${K8S_JOIN_AFTER} joined with a healthy etcd member" \
    "etcd adds one member at a time, so this node does not join: check ${K8S_JOIN_AFTER} (its /var/log/k8s-bootstrap.log)" \
    member_state "$K8S_JOIN_AFTER"
}

run_kubeadm() {
  render_kubeadm_config
  case "$K8S_ROLE" in
    init)
      step kubeadm-init
      hosts_entry 127.0.0.1
      kubeadm init --config "$RUN_DIR/kubeadm.yaml" --skip-token-print
      ;;
    control-plane)
      write_discovery_kubeconfig
      write_bootstrap_kubeconfig
      wait_for_api
      wait_for_previous_member
      step kubeadm-join
      kubeadm join --config "$RUN_DIR/kubeadm.yaml"
      hosts_entry 127.0.0.1
      restart_local_kube_proxy
      ;;
    worker)
      write_discovery_kubeconfig
      write_bootstrap_kubeconfig
      wait_for_api
      step kubeadm-join
      kubeadm join --config "$RUN_DIR/kubeadm.yaml"
      ;;
    *)
      fail "unknown K8S_ROLE '${K8S_ROLE}' (allowed: init, control-plane, worker)"
      ;;
  esac
  rm -f "$RUN_DIR/kubeadm.yaml" "$RUN_DIR/bootstrap.conf"
}

verify() {
  step verify
  systemctl is-active --quiet kubelet || fail "kubelet is not running: journalctl -u kubelet"
  if [ "$K8S_ROLE" = worker ]; then
    [ -s /etc/kubernetes/kubelet.conf ] || fail "kubelet has no kubeconfig: the TLS bootstrap did not finish"
  else
    retry 30 5 kubectl --kubeconfig /etc/kubernetes/admin.conf get --raw=/readyz >/dev/null || fail "the local API server is not ready: crictl ps -a"
  fi
}

main() {
  mkdir -p "$STATE_DIR" "$RUN_DIR"
  chmod 0700 "$RUN_DIR"
  exec > >(tee -a "$LOG") 2>&1
  trap 'on_error $? $LINENO "$BASH_COMMAND"' ERR
  if [ -f "$SENTINEL" ]; then
    log "already bootstrapped ($(cat "$SENTINEL")); nothing to do"
    return 0
  fi
  rm -f "$FAILED"
  log "bootstrapping ${K8S_NODE_NAME} as ${K8S_ROLE} (Kubernetes ${K8S_VERSION})"
  prepare_kernel
  if [ "$K8S_ROLE" != worker ]; then
    prepare_etcd_disk
  fi
  install_packages
  install_credential_provider
  configure_containerd
  if [ "$K8S_ROLE" != worker ]; then
    pull_images
  fi
  check_private_dns
  fetch_secrets
  run_kubeadm
  verify
  STEP=finished
  date -u +%Y-%m-%dT%H:%M:%SZ > "$SENTINEL"
  log "bootstrap complete; sentinel ${SENTINEL} written"
}

# Run only when executed (test/cluster sources the functions).
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
