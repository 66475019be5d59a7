#!/usr/bin/env python3
"""A small Azure Files test server (Python 3 standard library only) that AzCopy can use.

A test double, for local tests only: there is no Azure Files emulator. It serves the Files REST
calls AzCopy 10.18 and 10.32 make (see docs/FILES-FACTS.md) on path-style URLs
http://HOST:PORT/<account>/<share>/<path>, keeps the contents on disk (DATA_DIR/<share>/<path>,
real directories) and authorises every request by an account SAS or a Files service SAS.
Any other operation gets 501 NotImplemented and a log line marked "unknown": true.

Usage: files_server.py --port P --data-dir DIR [--host 127.0.0.1] [--log FILE] [--page-size N]
                       [--account devstoreaccount1] [--key BASE64] [--no-auth]
                       [--slow-bytes-per-second N] [--faults-dir DIR]
  --port 0 picks a free port. Once listening it prints `listening HOST:<port>` on stdout.
  Shares whose name starts with `slow-` are throttled, for tests that need a job to be running
  (a cancel, a kill, a SAS that expires mid-way): the bytes read from them (Get File) and
  written into them from a URL (Put Range From URL) share one budget of N bytes a second
  (default 1 MiB/s), paced before each answer; every other share is served at full speed.
  --faults-dir DIR: faults on demand. DIR/<share>.json makes chosen requests to that share
  answer 503 ServerBusy, 500 InternalError or a reset connection, a number of times or always
  (emulators/emulator_common.py, Faults; by default the data operations Get File, Put Range and
  Put Range From URL).
  The log (JSON lines, --log FILE or stderr) never holds a SAS signature.

The code: wire.py (protocol helpers, errors, Response), store.py (Store, the shares on disk),
operations.py (classify, Pacer, Files: the REST operations) and this file (the HTTP handler, the
server and the command line).
"""
import argparse
import http.server
import os
import sys
import time
import uuid
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]
import sas  # noqa: E402  (sits next to this file)
from emulator_common import (Faults, FaultRuleError, Log,  # noqa: E402  (emulators/)
                             reset_connection, serve_until_signalled)
from operations import (DATA_OPS, FAULTS, OPERATIONS, SLOW_SHARE_PREFIX,  # noqa: E402
                        Files, classify)
from store import Store  # noqa: E402
from wire import (SERVICE_VERSION, FilesError, ResetFault, Response, parse_query,  # noqa: E402
                  split_path, trim_trailing_dots)


class Request:
    """What an operation needs of a request."""

    def __init__(self, method, account, share, path, query, headers, body, host):
        self.method, self.account, self.share, self.path = method, account, share, path
        self.query, self.headers, self.body, self.host = query, headers, body, host


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "azcopy-runner-files-server"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # the JSON log replaces http.server's own (it would print SAS tokens)

    def _read_body(self) -> bytes:
        """The whole request body (Content-Length or chunked), so keep-alive stays in step."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _authorize(self, op, account, share, path, query):
        """(sas_ok, error): checks the SAS for OP (signature and window only when OP is None)."""
        srv = self.server
        if srv.no_auth:
            return None, None
        try:
            if op is None:
                sas.check_signature(query, srv.account, srv.key, share, path)
            else:
                level, perms, service_resources = OPERATIONS[op]
                sas.authorize(query, srv.account, srv.key, share, path, level, perms,
                              service_resources, self.client_address[0])
            return True, None
        except sas.SasError as e:
            return False, FilesError(403, e.code, e.message)

    def _dispatch(self, body: bytes) -> Response:
        """The answer to the current request; sets self.op and self.sas_ok for the log."""
        raw_path, _, raw_query = self.path.partition("?")
        query = parse_query(raw_query)
        account, share, path = split_path(raw_path)
        if account != self.server.account:
            raise FilesError(400, "InvalidUri", "Unknown account.")
        self.op = classify(self.command, path, query, self.headers) if share else None
        self.sas_ok, refusal = self._authorize(self.op, account, share, path, query)
        if self.op is None:
            raise FilesError(501, "NotImplemented", "This test server does not serve this operation.")
        if refusal:
            raise refusal
        try:
            self.fault = self.server.faults.take(share, self.op)
        except FaultRuleError as e:
            raise FilesError(400, "InvalidFaultRule", str(e)) from None
        if self.fault == "reset":
            raise ResetFault()
        if self.fault:
            raise FilesError(*FAULTS[self.fault])
        host = self.headers.get("Host") or "%s:%s" % self.server.server_address[:2]
        if self.headers.get("x-ms-allow-trailing-dot", "").lower() != "true":
            path = trim_trailing_dots(path)
        path = self.server.files.store.canonical(share, path)
        req = Request(self.command, account, share, path, query, self.headers, body, host)
        return getattr(self.server.files, self.op)(req)

    def _error_response(self, e: FilesError) -> Response:
        body = ('<?xml version="1.0" encoding="utf-8"?><Error><Code>%s</Code><Message>%s'
                "</Message></Error>" % (escape(e.code), escape(e.message))).encode()
        return Response(e.status, [("x-ms-error-code", e.code),
                                   ("Content-Type", "application/xml")], body)

    def _send(self, response: Response):
        self.send_response(response.status)  # adds Date and Server
        version = self.headers.get("x-ms-version") or SERVICE_VERSION
        for k, v in response.headers + [("x-ms-request-id", str(uuid.uuid4())),
                                        ("x-ms-version", version)]:
            self.send_header(k, v)
        length = len(response.body) if response.file_part is None else response.file_part[2]
        if self.command == "HEAD":
            length = response.head_length if response.head_length is not None else 0
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if self.command == "HEAD":
            return
        if response.file_part is None:
            self.wfile.write(response.body)
            return
        path, offset, remaining = response.file_part
        with open(path, "rb") as f:
            f.seek(offset)
            while remaining > 0:
                chunk = f.read(min(remaining, 1 << 20)) or bytes(min(remaining, 1 << 20))
                self.wfile.write(chunk)
                remaining -= len(chunk)

    def _handle(self):
        started = time.monotonic()
        self.op, self.sas_ok, self.fault, error = None, None, None, ""
        try:
            try:
                body = self._read_body()
            except ValueError:
                self.close_connection = True  # the stream is out of step: end it after the answer
                raise FilesError(400, "InvalidHeaderValue", "Bad Content-Length or chunk.") from None
            response = self._dispatch(body)
        except ResetFault:
            reset_connection(self)
            raw_path, _, raw_query = self.path.partition("?")
            self.server.log.write(method=self.command, path=raw_path, query=raw_query, op=self.op,
                                  status=0, error="", sas_ok=self.sas_ok, unknown=False,
                                  fault="reset", ms=round((time.monotonic() - started) * 1000, 1))
            return
        except FilesError as e:
            response = self._error_response(e)
        except Exception as e:  # noqa: BLE001 - a bug or a disk error: answer 500, keep serving
            response = self._error_response(FilesError(500, "InternalError", type(e).__name__))
        if response.status >= 400:
            error = dict(response.headers).get("x-ms-error-code", "")
        self._send(response)
        raw_path, _, raw_query = self.path.partition("?")
        fields = dict(method=self.command, path=raw_path, query=raw_query, op=self.op,
                      status=response.status, error=error, sas_ok=self.sas_ok,
                      unknown=response.status == 501,
                      ms=round((time.monotonic() - started) * 1000, 1))
        if self.fault:
            fields["fault"] = self.fault
        if self.headers.get("x-ms-copy-source"):
            fields["copy_source"] = self.headers["x-ms-copy-source"]
        self.server.log.write(**fields)

    do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = do_OPTIONS = do_PATCH = _handle

    def __getattr__(self, name):
        # Any other method (MERGE, TRACE...): http.server would answer 501 itself, unlogged;
        # here it is an unknown operation like any other, answered and logged as one.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def make_server(data_dir: str, host: str = "127.0.0.1", port: int = 0, log=None,
                page_size: int = 5000, account: str = sas.EMULATOR_ACCOUNT,
                key: str = sas.EMULATOR_KEY, no_auth: bool = False,
                slow_bytes_per_second: int = 1 << 20, faults_dir: str = None) -> Server:
    """A bound, not yet serving Files server (call serve_forever)."""
    os.makedirs(data_dir, exist_ok=True)
    server = Server((host, port), Handler)
    server.files = Files(Store(data_dir), page_size, slow_bytes_per_second)
    server.log = Log(log)
    server.account, server.key, server.no_auth = account, key, no_auth
    server.faults = Faults(faults_dir, DATA_OPS)
    return server


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default): a free port")
    parser.add_argument("--data-dir", required=True, help="one folder per share")
    parser.add_argument("--log", help="JSON-lines request log (default: stderr)")
    parser.add_argument("--page-size", type=int, default=5000, help="list page size")
    parser.add_argument("--account", default=sas.EMULATOR_ACCOUNT)
    parser.add_argument("--key", default=sas.EMULATOR_KEY, help="base64 account key")
    parser.add_argument("--no-auth", action="store_true", help="skip SAS checks (debugging)")
    parser.add_argument("--slow-bytes-per-second", type=int, default=1 << 20,
                        help=f"the shared budget of the {SLOW_SHARE_PREFIX}* shares (default 1 MiB)")
    parser.add_argument("--faults-dir", help="rule files of faults on demand (<share>.json)")
    args = parser.parse_args(argv)
    if args.page_size < 1:
        parser.error("--page-size must be >= 1")
    if args.slow_bytes_per_second < 1:
        parser.error("--slow-bytes-per-second must be >= 1")
    server = make_server(args.data_dir, args.host, args.port, args.log, args.page_size,
                         args.account, args.key, args.no_auth, args.slow_bytes_per_second,
                         args.faults_dir)

    serve_until_signalled(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
