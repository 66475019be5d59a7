#!/usr/bin/env python3
"""Tests of the from-URL proxy against a recording upstream and a source server (stdlib only).

Run: python3 -m unittest discover -s emulators/proxy -p 'test_*.py'
Real Azurite and real AzCopy judge it in the project's integration tests (COOL through the runner).
"""
import http.client
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PROXY = os.path.join(HERE, "fromurl_proxy.py")
SIG = "c2VjcmV0LXNpZ25hdHVyZS1mb3ItdGVzdHM%3D"
SAS = f"sv=2021-08-06&ss=bf&srt=sco&sp=rwdlacup&se=2099-01-01T00%3A00%3A00Z&sig={SIG}"
SOURCE_BYTES = bytes(range(256)) * 40  # 10240 bytes


class Recorder(http.server.BaseHTTPRequestHandler):
    """Upstream stand-in: records each request and answers 201 with a marker header."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.requests.append((self.command, self.path, list(self.headers.items()), body))
        reply = b"" if self.command == "HEAD" else b"upstream-body"
        self.send_response(201 if self.command == "PUT" else 200)
        self.send_header("x-upstream", "yes")
        self.send_header("Content-Length", "99" if self.command == "HEAD" else str(len(reply)))
        self.end_headers()
        if reply:
            self.wfile.write(reply)

    do_GET = do_PUT = do_HEAD = do_DELETE = _handle


class Source(http.server.BaseHTTPRequestHandler):
    """Copy source: SOURCE_BYTES at /src (Range supported), 404 elsewhere."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.ranges.append(self.headers.get("Range"))
        if not self.path.startswith("/src"):
            self.send_response(404)
            self.send_header("x-ms-error-code", "ResourceNotFound")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data, status = SOURCE_BYTES, 200
        rng = self.headers.get("Range")
        if rng:
            a, b = (int(x) for x in rng.split("=")[1].split("-"))
            data, status = SOURCE_BYTES[a:b + 1], 206
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def serve(handler, **attrs):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    for k, v in attrs.items():
        setattr(server, k, v)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class ProxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.upstream = serve(Recorder, requests=[])
        cls.source = serve(Source, ranges=[])
        cls.tmp = tempfile.TemporaryDirectory()
        cls.log = os.path.join(cls.tmp.name, "proxy.log")
        cls.faults = os.path.join(cls.tmp.name, "faults")
        os.mkdir(cls.faults, 0o700)
        cls.proc = subprocess.Popen(
            [sys.executable, PROXY, "--port", "0", "--log", cls.log, "--faults-dir", cls.faults,
             "--upstream", f"http://127.0.0.1:{cls.upstream.server_address[1]}"],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        line = cls.proc.stdout.readline()
        assert line.startswith("listening 127.0.0.1:"), line
        cls.port = int(line.rsplit(":", 1)[1])

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(timeout=10)
        cls.proc.stdout.close()
        cls.upstream.shutdown()
        cls.source.shutdown()
        cls.tmp.cleanup()

    def setUp(self):
        self.upstream.requests.clear()
        self.source.ranges.clear()

    def request(self, method, path, headers=None, body=b""):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
        finally:
            conn.close()

    def src_url(self, path="/src"):
        return f"http://127.0.0.1:{self.source.server_address[1]}{path}?{SAS}"

    def only_upstream_request(self):
        self.assertEqual(len(self.upstream.requests), 1)
        method, path, headers, body = self.upstream.requests[0]
        return method, path, {k.lower(): v for k, v in headers}, body

    def rule(self, container, text):
        path = os.path.join(self.faults, container + ".json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        self.addCleanup(os.remove, path)

    def test_faults_on_demand(self):
        self.rule("flaky", json.dumps({"answer": "503", "times": 2}))
        put = {"x-ms-blob-type": "BlockBlob"}
        for _ in range(2):
            status, headers, _ = self.request("PUT", f"/devstoreaccount1/flaky/b?{SAS}", put, b"x")
            self.assertEqual((status, headers["x-ms-error-code"]), (503, "ServerBusy"))
        self.assertEqual(self.upstream.requests, [])
        # Not a data operation (a listing), then the third Put Blob: passed through.
        self.request("GET", f"/devstoreaccount1/flaky?restype=container&comp=list&{SAS}")
        self.assertEqual(self.request("PUT", f"/devstoreaccount1/flaky/b?{SAS}", put, b"x")[0], 201)
        self.assertEqual([r[0] for r in self.upstream.requests], ["GET", "PUT"])
        # Another container has no rule.
        self.assertEqual(self.request("PUT", f"/devstoreaccount1/other/b?{SAS}", put, b"x")[0], 201)

    def test_fault_always_reset_and_500(self):
        self.rule("down", json.dumps({"answer": "reset", "ops": ["PutBlockFromURL"]}))
        block = {"x-ms-copy-source": self.src_url(), "x-ms-source-range": "bytes=0-3"}
        for _ in range(3):
            with self.assertRaises((ConnectionError, http.client.RemoteDisconnected)):
                self.request("PUT", f"/devstoreaccount1/down/b?comp=block&blockid=QQ%3D%3D&{SAS}", block)
        self.assertEqual(self.upstream.requests, [])
        self.rule("broken", json.dumps({"answer": "500"}))
        status, headers, _ = self.request("GET", f"/devstoreaccount1/broken/b?{SAS}")
        self.assertEqual((status, headers["x-ms-error-code"]), (500, "InternalError"))
        self.assertEqual(self.faults_logged(("reset", "500")), [3, 1])

    def faults_logged(self, names):
        """How many log lines name each fault. The proxy writes a request's line after its
        answer: wait (2 s at most) until each is there."""
        deadline = time.monotonic() + 2
        while True:
            with open(self.log, encoding="utf-8") as f:
                faults = [json.loads(line).get("fault") for line in f]
            counts = [faults.count(n) for n in names]
            if all(counts) or time.monotonic() > deadline:
                return counts
            time.sleep(0.02)

    def test_a_bad_fault_rule_is_refused(self):
        for text in ("{", '{"answer": "404"}', '{"answer": "503", "times": 0}',
                     '{"answer": "503", "ops": "GetBlob"}'):
            self.rule("badrule", text)
            status, headers, _ = self.request("GET", f"/devstoreaccount1/badrule/b?{SAS}")
            self.assertEqual((status, headers["x-ms-error-code"]), (400, "InvalidFaultRule"), text)
            os.utime(os.path.join(self.faults, "badrule.json"), ns=(0, 0))  # read again
            self.doCleanups()

    def test_other_requests_pass_through_unchanged(self):
        path = f"/devstoreaccount1/c/a%2Fb%20c.txt?comp=metadata&{SAS}"
        status, headers, body = self.request(
            "PUT", path, {"x-ms-meta-k": "v", "x-ms-version": "2025-07-05"}, b"payload")
        self.assertEqual((status, headers.get("x-upstream"), body), (201, "yes", b"upstream-body"))
        method, up_path, up_headers, up_body = self.only_upstream_request()
        self.assertEqual((method, up_path, up_body), ("PUT", path, b"payload"))
        self.assertEqual(up_headers["x-ms-meta-k"], "v")
        self.assertEqual(up_headers["x-ms-version"], "2025-07-05")

    def test_head_keeps_the_upstream_content_length(self):
        status, headers, body = self.request("HEAD", f"/devstoreaccount1/c/b?{SAS}")
        self.assertEqual((status, headers["content-length"], body), (200, "99", b""))

    def test_put_block_from_url_sends_the_source_range_as_the_body(self):
        path = f"/devstoreaccount1/c/big.bin?comp=block&blockid=QUFB&{SAS}"
        status, _, _ = self.request("PUT", path, {
            "x-ms-copy-source": self.src_url(), "x-ms-source-range": "bytes=100-1123",
            "x-ms-source-allow-trailing-dot": "false", "Content-MD5": "x", "Content-Length": "0"})
        self.assertEqual(status, 201)
        self.assertEqual(self.source.ranges, ["bytes=100-1123"])
        method, up_path, up_headers, up_body = self.only_upstream_request()
        self.assertEqual((method, up_path), ("PUT", path))
        self.assertEqual(up_body, SOURCE_BYTES[100:1124])
        self.assertEqual(up_headers["content-length"], "1024")
        for dropped in ("x-ms-copy-source", "x-ms-source-range", "x-ms-source-allow-trailing-dot",
                        "content-md5"):
            self.assertNotIn(dropped, up_headers)

    def test_put_blob_from_url_without_range_copies_the_whole_source(self):
        path = f"/devstoreaccount1/c/project%2Fsmall.txt?{SAS}"
        status, _, _ = self.request("PUT", path, {
            "x-ms-copy-source": self.src_url(), "x-ms-blob-type": "BlockBlob",
            "x-ms-blob-content-type": "application/octet-stream", "Content-Length": "0"})
        self.assertEqual(status, 201)
        self.assertEqual(self.source.ranges, [None])
        _, up_path, up_headers, up_body = self.only_upstream_request()
        self.assertEqual(up_path, path)
        self.assertEqual(up_body, SOURCE_BYTES)
        self.assertEqual(up_headers["x-ms-blob-type"], "BlockBlob")
        self.assertEqual(up_headers["x-ms-blob-content-type"], "application/octet-stream")

    def test_copy_blob_without_blob_type_is_not_served_by_the_proxy(self):
        path = f"/devstoreaccount1/c/copy?{SAS}"
        self.request("PUT", path, {"x-ms-copy-source": self.src_url(), "Content-Length": "0"})
        _, _, up_headers, _ = self.only_upstream_request()
        self.assertEqual(self.source.ranges, [])
        self.assertIn("x-ms-copy-source", up_headers)

    def test_an_unreadable_source_is_cannot_verify_copy_source(self):
        path = f"/devstoreaccount1/c/x?comp=block&blockid=QUFB&{SAS}"
        status, headers, body = self.request("PUT", path, {
            "x-ms-copy-source": self.src_url("/missing"), "x-ms-source-range": "bytes=0-9",
            "Content-Length": "0"})
        self.assertEqual(status, 404)
        self.assertEqual(headers["x-ms-error-code"], "CannotVerifyCopySource")
        self.assertIn(b"<Code>CannotVerifyCopySource</Code>", body)
        self.assertEqual(self.upstream.requests, [])

    def test_a_short_source_read_is_refused(self):
        path = f"/devstoreaccount1/c/x?comp=block&blockid=QUFB&{SAS}"
        status, headers, _ = self.request("PUT", path, {
            "x-ms-copy-source": self.src_url(), "x-ms-source-range": "bytes=10000-10999",
            "Content-Length": "0"})
        self.assertEqual((status, headers["x-ms-error-code"]), (502, "CannotVerifyCopySource"))
        self.assertEqual(self.upstream.requests, [])

    def test_the_log_holds_no_signature(self):
        self.request("GET", f"/devstoreaccount1/c?restype=container&{SAS}")
        self.request("PUT", f"/devstoreaccount1/c/x?comp=block&blockid=QUFB&{SAS}", {
            "x-ms-copy-source": self.src_url("/missing"), "Content-Length": "0"})
        with open(self.log, encoding="utf-8") as f:
            text = f.read()
        self.assertIn("sig=REDACTED", text)
        self.assertNotIn(SIG, text)
        self.assertNotIn("c2VjcmV0", text)


if __name__ == "__main__":
    unittest.main()
