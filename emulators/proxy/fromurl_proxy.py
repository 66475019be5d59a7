#!/usr/bin/env python3
"""A from-URL proxy in front of Azurite's blob service (Python 3 standard library only).

A test double, for local tests only: Azurite 3.35 answers Put Blob From URL and Put Block From
URL (which AzCopy uses for COOL, `--from-to FileBlob`) with 500. This proxy serves those two
operations itself and passes every other request through to Azurite unchanged:

  PUT <blob> with x-ms-copy-source and x-ms-blob-type (Put Blob From URL), or
  PUT <blob>?comp=block with x-ms-copy-source (Put Block From URL):
    1. GET the source URL (with `Range:` = x-ms-source-range when present);
    2. drop x-ms-copy-source*, x-ms-source-*, x-ms-file-request-intent and Content-MD5, set
       Content-Length (and x-ms-blob-type BlockBlob for Put Blob when absent);
    3. send it to Azurite with the caller's own method, path and query (so the caller's SAS is
       what authorises the write) and return Azurite's answer.
  A source that cannot be read is 4xx/5xx with x-ms-error-code CannotVerifyCopySource.

Nothing else of Azurite is replaced: authentication, containers, blocks and listings are
Azurite's. The log (JSON lines) never holds a signature.

Usage: fromurl_proxy.py --port P --upstream http://127.0.0.1:AZURITE_PORT [--log FILE]
                        [--faults-dir DIR]
  --port 0 picks a free port. Once listening it prints `listening 127.0.0.1:<port>` on stdout.
  --faults-dir DIR: faults on demand. DIR/<container>.json makes chosen requests to that
  container answer 503 ServerBusy, 500 InternalError or a reset connection, a number of times or
  always (emulators/emulator_common.py, Faults; by default the data operations Put Blob and Put
  Block, from a URL or not, and Get Blob).
"""
import argparse
import http.client
import http.server
import os
import re
import sys
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from emulator_common import (Faults, FaultRuleError, Log, fetch_source,  # noqa: E402  (emulators/)
                             reset_connection, serve_until_signalled)

# Request headers that are not the request's own (hop-by-hop) and are not forwarded.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
              "trailer", "upgrade", "host", "content-length", "expect"}
UPSTREAM_TIMEOUT_S = 300


def is_from_url(method: str, query: dict, headers) -> bool:
    """True for Put Blob From URL and Put Block From URL."""
    if method != "PUT" or not headers.get("x-ms-copy-source"):
        return False
    comp = query.get("comp", [""])[0]
    if comp == "block":
        return True
    return comp == "" and bool(headers.get("x-ms-blob-type"))


FAULTS = {"503": (503, "ServerBusy", "The server is currently unable to receive requests. "
                  "Please retry your request."),
          "500": (500, "InternalError", "The server encountered an internal error. "
                  "Please retry the request.")}
# The operations that move a blob's bytes: what a fault rule fails unless it names others.
DATA_OPS = ("PutBlobFromURL", "PutBlockFromURL", "PutBlob", "PutBlock", "GetBlob")


def operation(method: str, query: dict, headers) -> str:
    """The Blob operation's name, for the fault rules ("" for the ones they cannot name)."""
    comp, restype = query.get("comp", [""])[0], query.get("restype", [""])[0]
    if is_from_url(method, query, headers):
        return "PutBlockFromURL" if comp == "block" else "PutBlobFromURL"
    if restype:
        return ""
    return {("PUT", ""): "PutBlob", ("PUT", "block"): "PutBlock",
            ("PUT", "blocklist"): "PutBlockList", ("GET", ""): "GetBlob",
            ("HEAD", ""): "GetBlobProperties"}.get((method, comp), "")


def expected_length(source_range: str):
    """Bytes that `bytes=a-b` asks for, or None."""
    m = re.fullmatch(r"bytes=(\d+)-(\d+)", source_range.strip())
    return int(m.group(2)) - int(m.group(1)) + 1 if m else None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "azcopy-runner-fromurl-proxy"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # the JSON log below replaces http.server's own (it would print SAS tokens)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _forward(self, method, headers, body):
        """Send to Azurite; returns (status, reason, header list, body)."""
        upstream = self.server.upstream
        conn = http.client.HTTPConnection(upstream.hostname, upstream.port,
                                          timeout=UPSTREAM_TIMEOUT_S)
        try:
            # The caller's headers as they came (order, case, repeats), nothing added.
            conn.putrequest(method, self.path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", upstream.netloc)
            for k, v in headers:
                if k.lower() not in HOP_BY_HOP:
                    conn.putheader(k, v)
            if body or method in ("PUT", "POST"):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body if body else None)
            response = conn.getresponse()
            data = response.read() if method != "HEAD" else b""
            return response.status, response.reason, response.getheaders(), data
        finally:
            conn.close()

    def _reply(self, status, reason, headers, body, head_length=None):
        self.send_response(status, reason)
        for k, v in headers:
            if k.lower() not in HOP_BY_HOP:
                self.send_header(k, v)
        length = head_length if head_length is not None else len(body)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status, code, message):
        body = ('<?xml version="1.0" encoding="utf-8"?><Error><Code>%s</Code><Message>%s'
                "</Message></Error>" % (code, message)).encode()
        self._reply(status, None, [("x-ms-error-code", code),
                                   ("x-ms-request-id", str(uuid.uuid4())),
                                   ("Content-Type", "application/xml")], body)

    def _from_url(self, headers, body):
        source = self.headers.get("x-ms-copy-source", "")
        source_range = self.headers.get("x-ms-source-range", "")
        status, data, code = fetch_source(source, source_range)
        want = expected_length(source_range)
        if status not in (200, 206) or (want is not None and len(data) != want):
            self.server.log.write(event="source", status=status, error=code,
                                  source=urllib.parse.urlsplit(source).path)
            self._error(status if 400 <= status < 600 else 502, "CannotVerifyCopySource",
                        f"the copy source answered {status} {code}".strip())
            return status
        keep = [(k, v) for k, v in headers
                if not k.lower().startswith(("x-ms-copy-source", "x-ms-source-"))
                and k.lower() not in ("x-ms-file-request-intent", "content-md5")]
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        if "comp" not in query and not any(k.lower() == "x-ms-blob-type" for k, _ in keep):
            keep.append(("x-ms-blob-type", "BlockBlob"))
        del body  # a from-URL request has none
        status, reason, out_headers, out = self._forward("PUT", keep, data)
        self._reply(status, reason, out_headers, out)
        return status

    def _fault(self, container: str, op: str):
        """Answers a fault rule's fault for this request and returns its name, or None."""
        try:
            fault = self.server.faults.take(container, op)
        except FaultRuleError as e:
            self._error(400, "InvalidFaultRule", str(e))
            return "invalid-rule"
        if fault == "reset":
            reset_connection(self)
        elif fault:
            self._error(*FAULTS[fault])
        return fault

    def _handle(self):
        started = time.monotonic()
        body = self._body()
        headers = list(self.headers.items())
        split = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(split.query)
        from_url = is_from_url(self.command, query, self.headers)
        parts = split.path.split("/")
        container = urllib.parse.unquote(parts[2]) if len(parts) > 3 else ""
        fault = self._fault(container, operation(self.command, query, self.headers))
        status = {None: None, "reset": 0, "invalid-rule": 400}.get(fault, FAULTS.get(fault, [0])[0])
        try:
            if fault:
                pass
            elif from_url:
                status = self._from_url(headers, body)
            else:
                status, reason, out_headers, out = self._forward(self.command, headers, body)
                head_length = None
                if self.command == "HEAD":
                    head_length = int(dict((k.lower(), v) for k, v in out_headers)
                                      .get("content-length", 0))
                self._reply(status, reason, out_headers, out, head_length)
        except (OSError, http.client.HTTPException) as e:
            status = 502
            self._error(502, "ProxyUpstreamError", type(e).__name__)
        fields = {"fault": fault} if fault else {}
        self.server.log.write(method=self.command, path=split.path, query=split.query,
                              from_url=from_url, status=status, **fields,
                              ms=round((time.monotonic() - started) * 1000, 1))

    do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = do_OPTIONS = do_PATCH = _handle


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--upstream", required=True, help="Azurite, http://127.0.0.1:PORT")
    parser.add_argument("--log", help="JSON-lines request log (default: stderr)")
    parser.add_argument("--faults-dir", help="rule files of faults on demand (<container>.json)")
    args = parser.parse_args(argv)
    upstream = urllib.parse.urlsplit(args.upstream)
    if upstream.scheme != "http" or not upstream.hostname or not upstream.port:
        parser.error("--upstream must be http://HOST:PORT")
    server = Server((args.host, args.port), Handler)
    server.upstream = upstream
    server.log = Log(args.log)
    server.faults = Faults(args.faults_dir, DATA_OPS)

    serve_until_signalled(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
