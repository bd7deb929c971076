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
echo "== lint and test (Nx)"
npx nx run-many -t lint test --parallel=2 --outputStyle=stream "$@" || status=1
echo "== summary"
node tools/test-summary.js || status=1
exit $status
