#!/usr/bin/env bash
# Builds one environment's plan summary from the reduced plans of its plan jobs, uploads it to the run page and,
# for pull-request runs that ask for it, posts it to the pull request (one thread per environment, updated).
# Environment: PLAN_ENVIRONMENT, PLAN_DIR, POST_TO_PULL_REQUEST, and the Azure DevOps predefined variables.
set -euo pipefail

environment="${PLAN_ENVIRONMENT:?PLAN_ENVIRONMENT is required}"
plan_dir="${PLAN_DIR:?PLAN_DIR is required}"
marker="cdktf-plan:$environment"
args=(--title "Plan: $environment" --marker "$marker" --manifest cdktf.out/manifest.json --environment "$environment")
if [[ -n "${BUILD_BUILDID:-}" && -n "${SYSTEM_COLLECTIONURI:-}" ]]; then
  project="${SYSTEM_TEAMPROJECT:-}"
  args+=(--run-url "${SYSTEM_COLLECTIONURI}${project// /%20}/_build/results?buildId=${BUILD_BUILDID}")
fi
if [[ -d "$plan_dir" ]]; then
  while IFS= read -r -d '' plan; do
    args+=(--plan "$(basename "$plan" .json)=$plan")
  done < <(find "$plan_dir" -type f -name "$environment-*.json" -print0 | sort -z)
fi

summary="${AGENT_TEMPDIRECTORY:-${TMPDIR:-/tmp}}/plan-$environment.md"
node scripts/plan-summary.mjs "${args[@]}" > "$summary"
cat "$summary"
echo "##vso[task.uploadsummary]$summary"

post="${POST_TO_PULL_REQUEST:-false}"
if [[ "${post,,}" == true && "${BUILD_REASON:-}" == PullRequest ]]; then
  node pipelines/scripts/pr-comment.mjs --marker "$marker" --file "$summary"
fi
