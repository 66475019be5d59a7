"""What the local storage test doubles share (Python 3 standard library only): the request log
that never holds a signature, the GET of a copy source (Put Range / Put Block From URL), and
serving until a signal."""
import json
import re
import signal
import sys
import threading
import urllib.error
import urllib.request

SOURCE_TIMEOUT_S = 120
# No proxy from the environment: the copy sources are local test servers.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# A signature as a query parameter, also percent-encoded inside another URL (x-ms-copy-source).
_SIG = re.compile(r"(?i)(sig(?:=|%3D))[^&\s\"']*")


def redact(text: str) -> str:
    """TEXT with every SAS signature value replaced."""
    return _SIG.sub(r"\1REDACTED", text)


class Log:
    """JSON lines to a file (or stderr), one per request; thread-safe; signatures redacted."""

    def __init__(self, path):
        self._lock = threading.Lock()
        self._out = open(path, "a", encoding="utf-8") if path else sys.stderr

    def write(self, **fields):
        line = redact(json.dumps(fields, ensure_ascii=False))
        with self._lock:
            self._out.write(line + "\n")
            self._out.flush()


def fetch_source(url: str, source_range: str):
    """(status, body, error code) of a GET of a copy source, with `Range:` when given."""
    request = urllib.request.Request(url, method="GET")
    if source_range:
        request.add_header("Range", source_range)
    try:
        with _OPENER.open(request, timeout=SOURCE_TIMEOUT_S) as response:
            return response.status, response.read(), ""
    except urllib.error.HTTPError as e:
        e.read()
        return e.code, b"", e.headers.get("x-ms-error-code", "")
    except (urllib.error.URLError, OSError, ValueError) as e:
        return 502, b"", type(e).__name__


def serve_until_signalled(server):
    """Prints `listening HOST:PORT` (scripts/storage.sh reads the port from it), serves until
    SIGTERM or SIGINT, then closes the server."""

    def stop(_signum, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = server.server_address[:2]
    print(f"listening {host}:{port}", flush=True)
    server.serve_forever(poll_interval=0.2)
    server.server_close()
