#!/usr/bin/env bash
# The whole suite, as the README gives it and .ci/run runs it: type-check,
# lint (zero warnings) and every project's tests through Nx, then one total.
set -uo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false CRM_LOG=${CRM_LOG:-silent}
rm -rf tmp/test-results tmp/openapi-validated
status=0
echo "== type-check"
npx tsc -p tsconfig.json --noEmit || status=1
# One ESLint process over the workspace (the same flat config and rules as each project's lint target):
# 42 lint tasks under Nx cost each its own start-up, about 4 minutes of the two slots in a loaded run.
# @nx/enforce-module-boundaries reads Nx's cached project graph, and on a fresh clone only warns that it skips itself:
# `nx show projects` computes that graph first.
echo "== lint"
npx nx show projects >/dev/null && npx eslint . --max-warnings=0 || status=1
echo "== test (Nx)"
npx nx run-many -t test --parallel=2 --outputStyle=stream "$@" || status=1
echo "== summary"
node tools/test-summary.js || status=1
exit $status
