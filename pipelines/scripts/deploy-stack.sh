#!/usr/bin/env bash
# Deploys one synthesized stack: init, `terraform plan -out=tfplan`, the plan summary on the run page, then
# `terraform apply tfplan`, which applies exactly the plan shown (and refuses it if the state moved meanwhile).
# cdktf deploy would re-plan inside apply; this keeps what is logged and what is applied the same.
# Usage (inside AzureCLI@2, from the repository root): deploy-stack.sh <stack-id>
set -euo pipefail

stack="${1:?usage: deploy-stack.sh <stack-id>}"
stack_dir="cdktf.out/stacks/$stack"
if [[ ! -f "$stack_dir/cdk.tf.json" ]]; then
  echo "##vso[task.logissue type=warning]$stack is not in this synth (not in stacks/app.ts yet?): nothing to deploy"
  exit 0
fi

# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/arm-env.sh"

work="$(mktemp -d)"
trap 'rm -rf "$work" "$stack_dir/tfplan"' EXIT
summary_dir="${AGENT_TEMPDIRECTORY:-$work}"

terraform -chdir="$stack_dir" init -input=false -lock-timeout=20m
status=0
terraform -chdir="$stack_dir" plan -input=false -lock-timeout=20m -detailed-exitcode -out=tfplan || status=$?
case "$status" in
  0) echo "$stack: no changes" ;;
  2) echo "$stack: changes to apply" ;;
  *) exit "$status" ;;
esac

terraform -chdir="$stack_dir" show -json tfplan > "$work/full.json"
node scripts/plan-summary.mjs --reduce "$work/full.json" > "$work/reduced.json"
node scripts/plan-summary.mjs --title "$stack: plan applied by this run" --marker "cdktf-apply:$stack" \
  --plan "$stack=$work/reduced.json" > "$summary_dir/$stack-plan.md"
echo "##vso[task.uploadsummary]$summary_dir/$stack-plan.md"

if [[ "$status" -eq 2 ]]; then
  terraform -chdir="$stack_dir" apply -input=false -lock-timeout=20m tfplan
fi
