"""Opening a container's log stream so that another thread can end it at once.

docker-py's public ``logs(stream=True)`` merges stdout and stderr and hides the socket; the
stream's reader needs both frames apart and the socket itself (``LogStream.abort``). So this
module, and only this one, uses the low-level client's request helpers.
"""

from __future__ import annotations

from typing import Any

from core_monitor.engine.log_stream import LogStream


def open_logs(api: Any, ref: str, params: dict[str, Any], tty: bool) -> LogStream:
    """``GET /containers/{ref}/logs``; an engine refusal raises docker-py's APIError (the
    caller's error table maps it)."""
    url = api._url("/containers/{0}/logs", ref)
    # the client's time-out while the engine answers: a wedged engine must not hold the
    # thread that asked for ever; none once the lines flow (a quiet follow is no failure)
    response = api._get(url, params=params, stream=True)
    try:
        api._raise_for_status(response)
    except Exception:
        response.close()
        raise
    raw = api._get_raw_response_socket(response)
    api._disable_socket_timeout(raw)
    return LogStream(response, raw, tty)
