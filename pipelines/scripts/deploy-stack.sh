#!/usr/bin/env bash
# Applies the plan a person reviewed, and nothing else: the saved binary plan from the plan stage
# (plan-stack.sh --save), after checking that it still fits what it was made from (plan-binding.mjs):
#   before any Azure call: same commit, same synthesized cdk.tf.json, plan files unchanged (SHA-256);
#   after init and `state pull`: same provider lock, same state serial and lineage.
# Anything moved -> refusal with the reason, nothing applied; plan again. A plan without changes is not applied,
# nor one the summary deferred (DEFERRED_STACKS: it read outputs an upstream stack changes in the same run).
# `terraform apply <plan>` then refuses on its own if the state changes between this check and its lock.
# The state lock waits up to APPLY_LOCK_TIMEOUT (default 60m): longer than the longest apply (a VPN gateway,
# 30-45 min) of a run that holds it.
# Usage (inside AzureCLI@2, from the repository root): deploy-stack.sh <stack-id> <plan-dir>
set -euo pipefail

stack="${1:?usage: deploy-stack.sh <stack-id> <plan-dir>}"
plan_dir="${2:?usage: deploy-stack.sh <stack-id> <plan-dir>}"
scripts="$(dirname "${BASH_SOURCE[0]}")"
stack_dir="cdktf.out/stacks/$stack"
if [[ ! -f "$stack_dir/cdk.tf.json" ]]; then
  echo "##vso[task.logissue type=warning]$stack is not in this synth (not in stacks/app.ts yet?): nothing to deploy"
  exit 0
fi
node "$scripts/check-state-backend.mjs" --stack-dir "$stack_dir"

# The plan summary defers stacks whose saved plan read outputs that an upstream stack changes in this run: the
# plan holds the old values (cross-stack references are read at plan time). They are planned again next run.
for deferred in ${DEFERRED_STACKS:-}; do
  if [[ "$deferred" == "$stack" ]]; then
    echo "##vso[task.logissue type=warning]$stack: deferred, nothing applied: its saved plan read outputs that an upstream stack changes in this run. Run the pipeline again after this run to plan and apply it."
    echo "##vso[task.complete result=SucceededWithIssues;]"
    exit 0
  fi
done

binding=(--stack "$stack" --dir "$plan_dir" --stack-dir "$stack_dir" --commit "${BUILD_SOURCEVERSION:?BUILD_SOURCEVERSION is required}")
status=0
node "$scripts/plan-binding.mjs" verify --phase artifact "${binding[@]}" || status=$?
case "$status" in
  0) ;;
  3) exit 0 ;; # verified, and the reviewed plan has no changes
  *) exit "$status" ;;
esac

# shellcheck source-path=SCRIPTDIR
source "$scripts/arm-env.sh"

work="$(mktemp -d)"
trap 'rm -rf "$work" "$stack_dir/tfplan"' EXIT
summary_dir="${AGENT_TEMPDIRECTORY:-$work}"
node scripts/plan-summary.mjs --title "$stack: the reviewed plan this job applies" --marker "cdktf-apply:$stack" \
  --commit "$BUILD_SOURCEVERSION" --plan "$stack=$plan_dir/$stack.json" > "$summary_dir/$stack-plan.md"
echo "##vso[task.uploadsummary]$summary_dir/$stack-plan.md"

terraform -chdir="$stack_dir" init -input=false
terraform -chdir="$stack_dir" state pull > "$work/state.json"
node "$scripts/plan-binding.mjs" verify --phase target "${binding[@]}" --state "$work/state.json"

cp "$plan_dir/$stack.tfplan" "$stack_dir/tfplan"
terraform -chdir="$stack_dir" apply -input=false -lock-timeout="${APPLY_LOCK_TIMEOUT:-60m}" tfplan
