#!/usr/bin/env bash
# Readiness gate for @@NODE_NAME@@ (run by the CustomScript VM extension): waits for the bootstrap sentinel with a
# bounded timeout and fails the extension, and with it the deployment, if bootstrap failed or did not finish.
# Bootstrap token rotation @@ROTATION@@ (a change re-runs this gate).
set -euo pipefail

readonly SENTINEL=/var/lib/k8s-bootstrap/complete
readonly FAILED=/var/lib/k8s-bootstrap/failed
readonly LOG=/var/log/k8s-bootstrap.log
readonly ATTEMPTS=@@ATTEMPTS@@
readonly INTERVAL_SECONDS=5
readonly ENSURE_TOKEN=@@ENSURE_TOKEN@@

report_failure() {
  echo "bootstrap of $(hostname) FAILED: $1" >&2
  if [ -f "$FAILED" ]; then cat "$FAILED" >&2; fi
  echo "--- last 40 lines of ${LOG} ---" >&2
  tail -n 40 "$LOG" >&2 2>/dev/null || echo "(no ${LOG}: cloud-init did not start the bootstrap script)" >&2
  echo "--- cloud-init status ---" >&2
  cloud-init status --long >&2 2>/dev/null || true
  exit 1
}

for attempt in $(seq 1 "$ATTEMPTS"); do
  if [ -f "$SENTINEL" ]; then
    echo "bootstrap of $(hostname) complete at $(cat "$SENTINEL") (checked ${attempt} times)"
    if [ "$ENSURE_TOKEN" = yes ]; then
      /usr/local/sbin/k8s-ensure-token
    fi
    exit 0
  fi
  if [ -f "$FAILED" ]; then
    report_failure "the bootstrap script reported an error"
  fi
  if cloud-init status 2>/dev/null | grep -q 'status: error'; then
    report_failure "cloud-init reported an error before the bootstrap finished"
  fi
  sleep "$INTERVAL_SECONDS"
done
report_failure "no sentinel ${SENTINEL} after ${ATTEMPTS} checks every ${INTERVAL_SECONDS}s ($((ATTEMPTS * INTERVAL_SECONDS / 60)) minutes)"
