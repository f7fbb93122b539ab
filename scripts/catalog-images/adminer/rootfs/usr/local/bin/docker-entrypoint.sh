#!/bin/sh
# The official adminer image's entrypoint contract: ADMINER_DESIGN names one of the bundled
# designs (its adminer.css is used), then the command runs (php's own web server on 8080).
set -e
if [ -n "$ADMINER_DESIGN" ] && [ -f "designs/$ADMINER_DESIGN/adminer.css" ]; then
  ln -sf "designs/$ADMINER_DESIGN/adminer.css" adminer.css
fi
exec "$@"
