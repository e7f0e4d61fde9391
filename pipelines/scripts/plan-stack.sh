#!/usr/bin/env bash
# Plans one synthesized stack with the environment's read-only plan identity and writes, into <out-dir>:
#   <stack-id>.json           the reduced plan (addresses, actions, reasons, attribute names; no values) for the summary
# and with --save (the deploy pipeline's plan stage), what the deploy stage applies after approval:
#   <stack-id>.tfplan         the binary plan (sensitive: it holds the prior state; the artifact expires with the run)
#   <stack-id>.binding.json   commit, checksums, provider lock and state serial/lineage (plan-binding.mjs)
# and sets the output variable hasChanges. Plans never take the state lock (the plan identity cannot write the
# lease): a saved plan is checked against the state serial before it is applied instead.
# A stack the pipeline lists but the app does not synthesize yet is skipped with a warning; the summary job
# compares against cdktf.out/manifest.json, so an app stack missing from the pipeline shows as "no plan".
# Usage (inside AzureCLI@2, from the repository root): plan-stack.sh <stack-id> <out-dir> [--save]
set -euo pipefail

stack="${1:?usage: plan-stack.sh <stack-id> <out-dir> [--save]}"
out_dir="${2:?usage: plan-stack.sh <stack-id> <out-dir> [--save]}"
save="${3:-}"
if [[ -n "$save" && "$save" != --save ]]; then
  echo "plan-stack: unknown option \"$save\" (only --save)" >&2
  exit 2
fi
scripts="$(dirname "${BASH_SOURCE[0]}")"
stack_dir="cdktf.out/stacks/$stack"
mkdir -p "$out_dir"
if [[ ! -f "$stack_dir/cdk.tf.json" ]]; then
  echo "##vso[task.logissue type=warning]$stack is not in this synth (not in stacks/app.ts yet?): nothing to plan"
  # Keeps the published artifact non-empty; the summary reads only <stack-id>.json files.
  echo "$stack is not synthesized" > "$out_dir/$stack.skipped"
  exit 0
fi
node "$scripts/check-state-backend.mjs" --stack-dir "$stack_dir"

# shellcheck source-path=SCRIPTDIR
source "$scripts/arm-env.sh"

work="$(mktemp -d)"
trap 'rm -rf "$work" "$stack_dir/tfplan"' EXIT
terraform -chdir="$stack_dir" init -input=false
status=0
terraform -chdir="$stack_dir" plan -input=false -lock=false -detailed-exitcode -out=tfplan || status=$?
case "$status" in
  0) has_changes=false ;;
  2) has_changes=true ;;
  *) exit "$status" ;;
esac
terraform -chdir="$stack_dir" show -json tfplan > "$work/full.json"
node scripts/plan-summary.mjs --reduce "$work/full.json" > "$out_dir/$stack.json"
echo "$stack: reduced plan $out_dir/$stack.json (changes: $has_changes)"

if [[ "$save" == --save ]]; then
  cp "$stack_dir/tfplan" "$out_dir/$stack.tfplan"
  # The prior-state snapshot inside the plan file: exactly the serial/lineage this plan was made against.
  unzip -p "$stack_dir/tfplan" tfstate > "$work/plan-state.json"
  node "$scripts/plan-binding.mjs" record --stack "$stack" --dir "$out_dir" --stack-dir "$stack_dir" \
    --commit "${BUILD_SOURCEVERSION:?BUILD_SOURCEVERSION is required to bind a saved plan}" --run "${BUILD_BUILDID:-}" \
    --has-changes "$has_changes" --plan-state "$work/plan-state.json"
fi
echo "##vso[task.setvariable variable=hasChanges;isOutput=true]$has_changes"
