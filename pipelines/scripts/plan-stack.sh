#!/usr/bin/env bash
# Speculative plan of one synthesized stack for review: `cdktf diff` (terraform plan in cdktf.out/stacks/<id>),
# then a reduced plan (addresses and actions, no values) written to <out-dir>/<stack-id>.json for the summary.
# A stack the pipeline lists but the app does not synthesize yet is skipped with a warning; the summary job
# compares against cdktf.out/manifest.json, so an app stack missing from the pipeline shows as "no plan".
# Usage (inside AzureCLI@2, from the repository root): plan-stack.sh <stack-id> <out-dir>
set -euo pipefail

stack="${1:?usage: plan-stack.sh <stack-id> <out-dir>}"
out_dir="${2:?usage: plan-stack.sh <stack-id> <out-dir>}"
stack_dir="cdktf.out/stacks/$stack"
mkdir -p "$out_dir"
if [[ ! -f "$stack_dir/cdk.tf.json" ]]; then
  echo "##vso[task.logissue type=warning]$stack is not in this synth (not in stacks/app.ts yet?): nothing to plan"
  # Keeps the published artifact non-empty; the summary reads only <stack-id>.json files.
  echo "$stack is not synthesized" > "$out_dir/$stack.skipped"
  exit 0
fi

# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/arm-env.sh"

full_plan="$(mktemp)"
trap 'rm -f "$full_plan" "$stack_dir/plan"' EXIT
./node_modules/.bin/cdktf diff "$stack" --skip-synth --no-color
terraform -chdir="$stack_dir" show -json plan > "$full_plan"
node scripts/plan-summary.mjs --reduce "$full_plan" > "$out_dir/$stack.json"
echo "reduced plan: $out_dir/$stack.json"
