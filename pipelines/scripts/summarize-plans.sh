#!/usr/bin/env bash
# Builds one environment's plan summary from the reduced plans of its plan jobs, uploads it to the run page,
# sets the output variables the pipeline gates on (needsApproval: a delete, replace, dangerous change or missing
# plan; hasChanges; deferredStacks) and, for pull-request runs that ask for it, posts it to the pull request (one thread per
# environment, updated in place).
# Environment: PLAN_ENVIRONMENT, PLAN_DIR, POST_TO_PULL_REQUEST, optional CRITICAL_PATH_FILE (the estimate of
# `npm run plan:critical-path`), and the Azure DevOps predefined variables.
set -euo pipefail

environment="${PLAN_ENVIRONMENT:?PLAN_ENVIRONMENT is required}"
plan_dir="${PLAN_DIR:?PLAN_DIR is required}"
marker="cdktf-plan:$environment"
tmp="${AGENT_TEMPDIRECTORY:-${TMPDIR:-/tmp}}"
# In a pull-request build Build.SourceVersion is the merge commit; the reviewer knows the pushed one.
commit="${SYSTEM_PULLREQUEST_SOURCECOMMITID:-${BUILD_SOURCEVERSION:-}}"
args=(--title "Plan: $environment" --marker "$marker" --manifest cdktf.out/manifest.json --environment "$environment"
  --verdict "$tmp/verdict-$environment.json")
[[ -n "$commit" ]] && args+=(--commit "$commit")
if [[ -n "${BUILD_BUILDID:-}" && -n "${SYSTEM_COLLECTIONURI:-}" ]]; then
  project="${SYSTEM_TEAMPROJECT:-}"
  args+=(--run-url "${SYSTEM_COLLECTIONURI}${project// /%20}/_build/results?buildId=${BUILD_BUILDID}")
fi
if [[ -n "${CRITICAL_PATH_FILE:-}" && -f "${CRITICAL_PATH_FILE}" ]]; then
  args+=(--critical-path "$CRITICAL_PATH_FILE")
fi
if [[ -d "$plan_dir" ]]; then
  while IFS= read -r -d '' plan; do
    args+=(--plan "$(basename "$plan" .json)=$plan")
  done < <(find "$plan_dir" -type f -name "$environment-*.json" ! -name '*.binding.json' -print0 | sort -z)
fi

summary="$tmp/plan-$environment.md"
node scripts/plan-summary.mjs "${args[@]}" > "$summary"
cat "$summary"
echo "##vso[task.uploadsummary]$summary"
# deferredStacks: stacks whose saved plan read outputs that change in this run (deploy-stack.sh skips them).
for name in needsApproval hasChanges deferredStacks; do
  value="$(node -e '
    const v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const name = process.argv[2];
    console.log(name === "deferredStacks" ? v.deferred.map((d) => d.stack).join(" ") : String(v[name]));
  ' "$tmp/verdict-$environment.json" "$name")"
  echo "##vso[task.setvariable variable=$name;isOutput=true]$value"
done

post="${POST_TO_PULL_REQUEST:-false}"
if [[ "${post,,}" == true && "${BUILD_REASON:-}" == PullRequest ]]; then
  node pipelines/scripts/pr-comment.mjs --marker "$marker" --file "$summary"
fi
