"""What the local storage test doubles share (Python 3 standard library only): the request log
that never holds a signature, the GET of a copy source (Put Range / Put Block From URL), faults
on demand, and serving until a signal."""
import json
import os
import re
import signal
import socket
import stat
import struct
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


FAULT_ANSWERS = ("503", "500", "reset")


class FaultRuleError(Exception):
    """A rule file that cannot be used: the request is answered 400 InvalidFaultRule."""


class Faults:
    """Faults on demand. DIRECTORY/<name>.json, where <name> is a share (the Files test server)
    or a container (the from-URL proxy), makes the chosen requests to that share or container
    fail:

        {"answer": "503" | "500" | "reset", "times": N, "ops": ["PutRangeFromURL", ...]}

    "503" is 503 ServerBusy, "500" is 500 InternalError, "reset" closes the connection without
    an answer (TCP RST). "times" counts the requests answered so (absent: every one, until the
    file goes); "ops" names the operations (absent: the server's data operations). Writing the
    file again starts the count again; deleting it ends the fault. A file another user owns or
    can write is refused like a bad one."""

    def __init__(self, directory, default_ops):
        self.directory, self.default_ops = directory, tuple(default_ops)
        self._lock = threading.Lock()
        self._state = {}  # name -> [st_mtime_ns, rule, answered]

    def take(self, name: str, op: str):
        """The fault to answer this request with ("503", "500", "reset"), or None."""
        if not self.directory or not name or not op or "/" in name or name.startswith("."):
            return None
        path = os.path.join(self.directory, name + ".json")
        try:
            st = os.stat(path)
        except OSError:
            with self._lock:
                self._state.pop(name, None)
            return None
        with self._lock:
            entry = self._state.get(name)
            if entry is None or entry[0] != st.st_mtime_ns:
                entry = [st.st_mtime_ns, self._read(path, st), 0]
                self._state[name] = entry
            rule = entry[1]
            if op not in rule["ops"] or (rule["times"] is not None and entry[2] >= rule["times"]):
                return None
            entry[2] += 1
            return rule["answer"]

    def _read(self, path: str, st) -> dict:
        if st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise FaultRuleError(f"{os.path.basename(path)} is not this user's alone")
        try:
            with open(path, encoding="utf-8") as f:
                rule = json.load(f)
        except (OSError, ValueError) as e:
            raise FaultRuleError(f"{os.path.basename(path)}: {e}") from None
        if not isinstance(rule, dict) or rule.get("answer") not in FAULT_ANSWERS:
            raise FaultRuleError(f"answer must be one of {', '.join(FAULT_ANSWERS)}")
        times, ops = rule.get("times"), rule.get("ops", list(self.default_ops))
        if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
            raise FaultRuleError("times must be a whole number >= 1")
        if not isinstance(ops, list) or not all(isinstance(o, str) for o in ops):
            raise FaultRuleError("ops must be a list of operation names")
        return {"answer": rule["answer"], "times": times, "ops": set(ops)}


def reset_connection(handler):
    """Ends HANDLER's connection with a TCP RST and no answer."""
    handler.close_connection = True
    try:
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    # The descriptor closes (with the RST, before any FIN) when the handler's finish() closes
    # the request's file objects.
    handler.connection.close()
