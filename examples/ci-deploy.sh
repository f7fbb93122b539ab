#!/bin/sh
# Deploy a compose file with Core Monitor from a CI job, using only the `coremon` CLI.
#
#   COREMON_URL=https://coremon.example.com COREMON_TOKEN=cm_… \
#   STACK=shop COMPOSE_FILE=compose.yaml ./examples/ci-deploy.sh
#
# COREMON_TOKEN: an API token with the operator role on the stack (Admin → API tokens).
# Saves the file as the stack's next version (or creates the stack), stops there when it
# changes nothing, else shows the plan, applies it and waits for it, rolls back to the
# version before when the apply fails, and waits until every container is healthy.
# Exit codes are coremon's: 0 deployed (or nothing to do), 1 the apply failed (rolled
# back), 2 configuration, 3 timeout, 4 refused by the server (the paths on stderr).
# (The pipeline test, tests/cli/test_cli_pipeline.py, runs this script.)
set -eu

: "${STACK:?the stack name}"
COMPOSE_FILE="${COMPOSE_FILE:-compose.yaml}"
TIMEOUT="${TIMEOUT:-5m}"
MESSAGE="${MESSAGE:-deployed by CI ${CI_COMMIT_SHA:-}}"

found=0
coremon stack show "$STACK" -o json >/dev/null 2>&1 || found=$?
case "$found" in
  0) coremon stack edit "$STACK" -f "$COMPOSE_FILE" -m "$MESSAGE" -q >/dev/null ;;
  2) coremon stack create "$STACK" -f "$COMPOSE_FILE" -m "$MESSAGE" -q >/dev/null ;;
  *) exit "$found" ;;
esac

changed=0
coremon stack diff "$STACK" || changed=$?
case "$changed" in
  0) echo "$STACK: nothing to apply"; exit 0 ;;
  1) ;;
  *) exit "$changed" ;;
esac

coremon stack plan "$STACK"
applied=0
coremon stack apply "$STACK" --wait --timeout "$TIMEOUT" || applied=$?
if [ "$applied" -eq 1 ]; then
  echo "$STACK: the apply failed; rolling back" >&2
  coremon stack rollback "$STACK" --wait --timeout "$TIMEOUT" || true
fi
[ "$applied" -eq 0 ] || exit "$applied"

coremon stack wait "$STACK" --converged --healthy --timeout "$TIMEOUT"
coremon stack status "$STACK"
