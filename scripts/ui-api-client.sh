#!/usr/bin/env bash
# The web console's typed API client (frontend/src/api/schema.d.ts) is generated from the
# backend's OpenAPI schema with openapi-typescript.
#   ui-api-client.sh write   regenerate it (commit the result)
#   ui-api-client.sh check   fail when the committed one differs from what the code gives
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-check}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# (its throw-away start-up logs are shown only when it fails)
if ! .venv/bin/coremon openapi >"$tmp/openapi.json" 2>"$tmp/log"; then
  cat "$tmp/log" >&2
  echo "ui-api-client: coremon openapi failed" >&2
  exit 1
fi
(cd frontend && npx openapi-typescript "$tmp/openapi.json" -o "$tmp/schema.d.ts" --silent >/dev/null)

case "$mode" in
  write)
    cp "$tmp/schema.d.ts" frontend/src/api/schema.d.ts
    echo "ui-api-client: wrote frontend/src/api/schema.d.ts"
    ;;
  check)
    if ! diff -u frontend/src/api/schema.d.ts "$tmp/schema.d.ts" >"$tmp/diff"; then
      head -40 "$tmp/diff" >&2
      echo "ui-api-client: frontend/src/api/schema.d.ts is stale (the API changed): run make api-client and commit it" >&2
      exit 1
    fi
    echo "ui-api-client: the committed client matches the API"
    ;;
  *)
    echo "usage: $0 write|check" >&2
    exit 2
    ;;
esac
