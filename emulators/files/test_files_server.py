"""Tests of the Azure Files test server (stdlib unittest).

Run: python3 -m unittest discover -s emulators/files -p 'test_*.py' -v
"""
import base64
import datetime
import email.utils
import hashlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import files_server  # noqa: E402  (first: it puts emulators/ on sys.path)
import operations  # noqa: E402
import sas  # noqa: E402

ACCOUNT = sas.EMULATOR_ACCOUNT
NOW = datetime.datetime.now(datetime.timezone.utc)


def q(path: str) -> str:
    """Percent-encodes a share path the way AzCopy does (UTF-8, '/' kept)."""
    return urllib.parse.quote(path, safe="/")


class ServerTest(unittest.TestCase):
    """Starts one in-process server per test on a free port with a temp data dir."""

    page_size = 5000

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="files-server-test-")
        self.data = os.path.join(self.tmp, "data")
        self.log_path = os.path.join(self.tmp, "server.log")
        self.faults = os.path.join(self.tmp, "faults")
        os.mkdir(self.faults, 0o700)
        self.server = files_server.make_server(self.data, log=self.log_path,
                                               page_size=self.page_size, faults_dir=self.faults)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.sas = sas.account_sas(ACCOUNT, start=NOW - datetime.timedelta(minutes=5))
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def tearDown(self):
        self.conn.close()
        self.server.shutdown()
        self.server.server_close()
        self.server.log._out.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def url(self, path: str, query: str = "", token=None) -> str:
        token = self.sas if token is None else token
        parts = [p for p in (query, token) if p]
        return f"/{ACCOUNT}/{path}" + ("?" + "&".join(parts) if parts else "")

    def call(self, method, path, query="", headers=None, body=b"", token=None):
        """(status, headers dict with lower-case names, body) over one keep-alive connection."""
        hdrs = {"x-ms-version": "2025-07-05", **(headers or {})}
        if method == "PUT" and "Content-Length" not in hdrs:
            hdrs["Content-Length"] = str(len(body))
        self.conn.request(method, self.url(path, query, token), body=body or None, headers=hdrs)
        response = self.conn.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def create_file(self, path, data: bytes, expect=201):
        status, _, _ = self.call("PUT", q(path), headers={
            "x-ms-type": "file", "x-ms-content-length": str(len(data))})
        self.assertEqual(status, expect)
        if data:
            status, _, _ = self.call("PUT", q(path), "comp=range", {
                "x-ms-range": f"bytes=0-{len(data) - 1}", "x-ms-write": "update"}, data)
            self.assertEqual(status, 201)

    def mkdirs(self, *paths):
        for p in paths:
            self.assertEqual(self.call("PUT", q(p), "restype=directory")[0], 201, p)

    def log_lines(self):
        with open(self.log_path, encoding="utf-8") as f:
            return [json.loads(line) for line in f]


class ShareDirFileTest(ServerTest):

    def test_share_directory_file_round_trip(self):
        self.assertEqual(self.call("PUT", "share", "restype=share")[0], 201)
        status, headers, _ = self.call("PUT", "share", "restype=share")
        self.assertEqual((status, headers["x-ms-error-code"]), (409, "ShareAlreadyExists"))
        status, headers, _ = self.call("GET", "share", "restype=share")
        self.assertEqual(status, 200)
        self.assertIn("last-modified", headers)
        self.mkdirs("share/d")
        self.create_file("share/d/f.txt", b"0123456789")
        with open(os.path.join(self.data, "share", "d", "f.txt"), "rb") as f:
            self.assertEqual(f.read(), b"0123456789")
        status, headers, body = self.call("GET", "share/d/f.txt")
        self.assertEqual((status, body), (200, b"0123456789"))
        self.assertEqual(headers["x-ms-version"], "2025-07-05")
        self.assertTrue(headers["x-ms-request-id"] and headers["date"])

    def test_ranges(self):
        os.makedirs(os.path.join(self.data, "share"))
        self.create_file("share/f.bin", b"abcdefghij")
        status, headers, body = self.call("GET", "share/f.bin", headers={"x-ms-range": "bytes=2-5"})
        self.assertEqual((status, body, headers["content-range"]), (206, b"cdef", "bytes 2-5/10"))
        status, headers, body = self.call("GET", "share/f.bin", headers={"Range": "bytes=7-"})
        self.assertEqual((status, body, headers["content-range"]), (206, b"hij", "bytes 7-9/10"))
        status, _, _ = self.call("PUT", "share/f.bin", "comp=range",
                                 {"x-ms-range": "bytes=3-4", "x-ms-write": "clear"})
        self.assertEqual(status, 201)
        self.assertEqual(self.call("GET", "share/f.bin")[2], b"abc\0\0fghij")
        status, headers, _ = self.call("PUT", "share/f.bin", "comp=range",
                                       {"x-ms-range": "bytes=8-11", "x-ms-write": "update"}, b"wxyz")
        self.assertEqual((status, headers["x-ms-error-code"]), (416, "InvalidRange"))

    def test_head_file_and_directory(self):
        os.makedirs(os.path.join(self.data, "share", "dir"))
        self.create_file("share/dir/f.txt", b"hello")
        status, headers, body = self.call("HEAD", "share/dir/f.txt")
        self.assertEqual((status, headers["content-length"], body), (200, "5", b""))
        self.assertEqual(headers["x-ms-type"], "File")
        lm = email.utils.parsedate_to_datetime(headers["last-modified"]).timestamp()
        self.assertLess(abs(lm - time.time()), 5)
        status, headers, body = self.call("HEAD", "share/dir")
        self.assertEqual((status, headers["x-ms-error-code"], body), (404, "ResourceNotFound", b""))
        self.assertEqual(self.call("GET", "share/dir", "restype=directory")[0], 200)
        status, headers, _ = self.call("GET", "share/dir/f.txt", "restype=directory")
        self.assertEqual((status, headers["x-ms-error-code"]), (404, "ResourceNotFound"))

    def test_last_modified_is_last_rest_change_else_mtime(self):
        os.makedirs(os.path.join(self.data, "share"))
        on_disk = os.path.join(self.data, "share", "old.txt")
        with open(on_disk, "wb") as f:
            f.write(b"x")
        os.utime(on_disk, (1_000_000_000, 1_000_000_000))
        headers = self.call("HEAD", "share/old.txt")[1]
        self.assertEqual(headers["last-modified"], "Sun, 09 Sep 2001 01:46:40 GMT")
        self.create_file("share/old.txt", b"yy")
        lm = email.utils.parsedate_to_datetime(self.call("HEAD", "share/old.txt")[1]["last-modified"])
        self.assertLess(abs(lm.timestamp() - time.time()), 5)

    def test_parent_not_found_and_existing_directory(self):
        os.makedirs(os.path.join(self.data, "share"))
        status, headers, body = self.call("PUT", "share/a/f.txt", headers={
            "x-ms-type": "file", "x-ms-content-length": "3"})
        self.assertEqual((status, headers["x-ms-error-code"]), (404, "ParentNotFound"))
        self.assertIn(b"<Code>ParentNotFound</Code>", body)
        status, headers, _ = self.call("PUT", "share/a/b", "restype=directory")
        self.assertEqual((status, headers["x-ms-error-code"]), (404, "ParentNotFound"))
        self.mkdirs("share/a", "share/a/b")
        status, headers, _ = self.call("PUT", "share/a", "restype=directory")
        self.assertEqual((status, headers["x-ms-error-code"]), (409, "ResourceAlreadyExists"))
        self.assertEqual(self.call("PUT", "share/a", "restype=directory&comp=metadata")[0], 200)
        self.assertEqual(self.call("PUT", "share/a", "restype=directory&comp=properties", {
            "x-ms-file-attributes": "None", "x-ms-file-permission": "inherit"})[0], 200)
        status, headers, _ = self.call("DELETE", "share/a", "restype=directory")
        self.assertEqual((status, headers["x-ms-error-code"]), (409, "DirectoryNotEmpty"))
        self.assertEqual(self.call("DELETE", "share/a/b", "restype=directory")[0], 202)

    def test_create_file_with_azcopy_10_18_headers_and_resize(self):
        os.makedirs(os.path.join(self.data, "share"))
        status, _, _ = self.call("PUT", "share/f", headers={
            "x-ms-type": "file", "x-ms-content-length": "4", "X-Ms-Cache-Control": "",
            "X-Ms-Content-Disposition": "", "X-Ms-Content-Encoding": "",
            "X-Ms-Content-Language": "", "x-ms-file-attributes": "None",
            "x-ms-file-creation-time": "now", "x-ms-file-last-write-time": "now",
            "x-ms-file-permission": "inherit"})
        self.assertEqual(status, 201)
        self.assertEqual(self.call("GET", "share/f")[2], b"\0\0\0\0")
        self.assertEqual(self.call("PUT", "share/f", "comp=properties",
                                   {"x-ms-content-length": "2"})[0], 200)
        self.assertEqual(self.call("HEAD", "share/f")[1]["content-length"], "2")
        self.assertEqual(self.call("DELETE", "share/f")[0], 202)
        self.assertFalse(os.path.exists(os.path.join(self.data, "share", "f")))

    def test_percent_2f_path_is_the_same_file(self):
        os.makedirs(os.path.join(self.data, "share", "a", "b"))
        self.create_file("share/a/b/été x.txt", b"same")
        status, _, body = self.call("GET", "share/a%2Fb%2F%C3%A9t%C3%A9%20x.txt")
        self.assertEqual((status, body), (200, b"same"))
        status, _, _ = self.call("PUT", "share/a%2Fb%2F%C3%A9t%C3%A9%20x.txt", "comp=range",
                                 {"x-ms-range": "bytes=0-0", "x-ms-write": "update"}, b"S")
        self.assertEqual(status, 201)
        self.assertEqual(self.call("GET", q("share/a/b/été x.txt"))[2], b"Same")

    def test_bad_paths(self):
        os.makedirs(os.path.join(self.data, "share"))
        for path in ("share/a/..%2F..%2Fx", "share/%2E%2E/x", "share/a%00b"):
            status, headers, _ = self.call("GET", path)
            self.assertEqual((status, headers["x-ms-error-code"]), (400, "InvalidUri"), path)

    def test_request_bodies(self):
        os.makedirs(os.path.join(self.data, "share"))
        self.create_file("share/f", b"\0" * 6)
        self.conn.request("PUT", self.url("share/f", "comp=range"), body=iter([b"abc", b"def"]),
                          encode_chunked=True, headers={"x-ms-range": "bytes=0-5",
                                                        "x-ms-write": "update"})
        response = self.conn.getresponse()
        response.read()
        self.assertEqual(response.status, 201)
        self.assertEqual(self.call("GET", "share/f")[2], b"abcdef")  # same connection, in step
        self.conn.putrequest("PUT", self.url("share/f", "comp=range"))
        self.conn.putheader("Content-Length", "abc")
        self.conn.endheaders()
        response = self.conn.getresponse()
        self.assertEqual((response.status, response.getheader("x-ms-error-code")),
                         (400, "InvalidHeaderValue"))

    def test_file_permission(self):
        os.makedirs(os.path.join(self.data, "share"))
        status, _, body = self.call("GET", "share", "restype=share&comp=filepermission",
                                    {"x-ms-file-permission-key": "123*1"})
        self.assertEqual((status, json.loads(body)), (200, {"permission": "O:BAG:BAD:(A;;FA;;;BA)"}))


class NamesTest(ServerTest):
    """Azure Files' naming rules: case-insensitive and case-preserving, refused characters and
    names, trailing dots trimmed unless x-ms-allow-trailing-dot: true."""

    def setUp(self):
        super().setUp()
        self.assertEqual(self.call("PUT", "share", "restype=share")[0], 201)

    def names(self, directory=""):
        return sorted(os.listdir(os.path.join(self.data, "share", *directory.split("/"))))

    def test_case_insensitive_and_case_preserving(self):
        self.mkdirs("share/Photos")
        self.create_file("share/Photos/A.txt", b"first")
        self.create_file("share/photos/a.TXT", b"2nd")  # the same directory, the same file
        self.assertEqual((self.names(), self.names("Photos")), (["Photos"], ["A.txt"]))
        status, _, body = self.call("GET", "share/PHOTOS/a.txt")
        self.assertEqual((status, body), (200, b"2nd"))
        status, headers, _ = self.call("PUT", "share/photos", "restype=directory")
        self.assertEqual((status, headers["x-ms-error-code"]), (409, "ResourceAlreadyExists"))
        status, _, body = self.call("GET", "share/photos", "restype=directory&comp=list")
        self.assertEqual([e.find("Name").text for e in ET.fromstring(body).find("Entries")], ["A.txt"])
        self.assertEqual(self.call("DELETE", "share/PHOTOS/A.TXT")[0], 202)
        self.assertEqual(self.names("Photos"), [])

    def test_names_azure_refuses(self):
        for name in ('x:y.txt', 'a?b', 'a*b', 'a<b', 'a>b', 'a|b', 'a"b', 'a\\b', 'tab\there',
                     'CON', 'lpt1', 'Clock$', 'n' * 256):
            for query, headers in (("", {"x-ms-type": "file", "x-ms-content-length": "0"}),
                                   ("restype=directory", {})):
                status, got, _ = self.call("PUT", "share/" + q(name), query, headers)
                self.assertEqual((status, got.get("x-ms-error-code")), (400, "InvalidResourceName"),
                                 (name, query))
        self.create_file("share/" + "n" * 255, b"")  # the longest name
        self.create_file("share/CON.txt", b"")
        self.assertEqual(self.names(), ["CON.txt", "n" * 255])

    def test_trailing_dots_kept_only_when_allowed(self):
        create = {"x-ms-type": "file", "x-ms-content-length": "1"}
        self.assertEqual(self.call("PUT", "share/kept.", "", {**create, "x-ms-allow-trailing-dot": "true"})[0], 201)
        self.assertEqual(self.call("PUT", "share/cut..", "", create)[0], 201)
        self.assertEqual(self.names(), ["cut", "kept."])
        self.assertEqual(self.call("HEAD", "share/cut.", "", {"x-ms-allow-trailing-dot": "true"})[0], 404)
        self.assertEqual(self.call("HEAD", "share/cut.")[0], 200)


class PropertiesTest(ServerTest):
    """Content headers, Content-MD5 and metadata are kept and returned; a body whose Content-MD5
    does not match is refused."""

    def setUp(self):
        super().setUp()
        self.assertEqual(self.call("PUT", "share", "restype=share")[0], 201)

    def test_content_headers_and_metadata_round_trip(self):
        md5 = base64.b64encode(hashlib.md5(b"hello").digest()).decode()
        status, _, _ = self.call("PUT", "share/f.tif", "", {
            "x-ms-type": "file", "x-ms-content-length": "5", "x-ms-content-type": "image/tiff",
            "x-ms-content-md5": md5, "x-ms-cache-control": "no-cache", "x-ms-meta-Project": "p1"})
        self.assertEqual(status, 201)
        self.call("PUT", "share/f.tif", "comp=range", {"x-ms-range": "bytes=0-4", "x-ms-write": "update"}, b"hello")
        for method in ("HEAD", "GET"):
            status, headers, _ = self.call(method, "share/f.tif")
            self.assertEqual((status, headers["content-type"], headers["content-md5"],
                              headers["cache-control"], headers["x-ms-meta-project"]),
                             (200, "image/tiff", md5, "no-cache", "p1"), method)
        status, headers, body = self.call("GET", "share/f.tif", "", {"x-ms-range": "bytes=1-2"})
        self.assertEqual((status, body, headers["x-ms-content-md5"]), (206, b"el", md5))
        self.assertNotIn("content-md5", headers)  # a range's own MD5 is not stored
        # Set File Properties replaces every content header; Set File Metadata the metadata.
        self.call("PUT", "share/f.tif", "comp=properties", {"x-ms-content-type": "text/plain"})
        self.call("PUT", "share/f.tif", "comp=metadata", {"x-ms-meta-a": "1", "x-ms-meta-b": "2"})
        _, headers, _ = self.call("HEAD", "share/f.tif")
        self.assertEqual((headers["content-type"], headers.get("content-md5"), headers["x-ms-meta-a"],
                          headers["x-ms-meta-b"], headers.get("x-ms-meta-project")),
                         ("text/plain", None, "1", "2", None))
        # A file made without them answers application/octet-stream and no MD5.
        self.create_file("share/plain.bin", b"x")
        _, headers, _ = self.call("HEAD", "share/plain.bin")
        self.assertEqual((headers["content-type"], headers.get("content-md5")),
                         ("application/octet-stream", None))

    def test_directory_metadata(self):
        self.call("PUT", "share/d", "restype=directory", {"x-ms-meta-hdi_isfolder": "true"})
        _, headers, _ = self.call("GET", "share/d", "restype=directory")
        self.assertEqual(headers["x-ms-meta-hdi_isfolder"], "true")
        self.call("PUT", "share/d", "restype=directory&comp=metadata", {"x-ms-meta-k": "v"})
        _, headers, _ = self.call("HEAD", "share/d", "restype=directory")
        self.assertEqual((headers["x-ms-meta-k"], headers.get("x-ms-meta-hdi_isfolder")), ("v", None))

    def test_wrong_md5_refused(self):
        self.create_file("share/f", bytes(4))
        good = base64.b64encode(hashlib.md5(b"data").digest()).decode()
        wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
        put = {"x-ms-range": "bytes=0-3", "x-ms-write": "update"}
        status, headers, _ = self.call("PUT", "share/f", "comp=range", {**put, "Content-MD5": wrong}, b"data")
        self.assertEqual((status, headers["x-ms-error-code"]), (400, "Md5Mismatch"))
        self.assertEqual(self.call("GET", "share/f")[2], bytes(4))
        self.assertEqual(self.call("PUT", "share/f", "comp=range", {**put, "Content-MD5": good}, b"data")[0], 201)
        for bad in ("not-base64!", base64.b64encode(b"short").decode()):
            status, headers, _ = self.call("PUT", "share/g", "", {
                "x-ms-type": "file", "x-ms-content-length": "0", "x-ms-content-md5": bad})
            self.assertEqual((status, headers["x-ms-error-code"]), (400, "InvalidHeaderValue"), bad)
        status, headers, _ = self.call("PUT", "share/g", "", {
            "x-ms-type": "file", "x-ms-content-length": "0", "x-ms-meta-1bad": "x"})
        self.assertEqual((status, headers["x-ms-error-code"]), (400, "InvalidMetadata"))


class FaultsTest(ServerTest):
    """Faults on demand: <faults dir>/<share>.json."""

    def setUp(self):
        super().setUp()
        for share in ("flaky", "calm"):
            self.assertEqual(self.call("PUT", share, "restype=share")[0], 201)
            self.create_file(f"{share}/f", b"data")

    def rule(self, share, rule):
        with open(os.path.join(self.faults, share + ".json"), "w", encoding="utf-8") as f:
            f.write(rule if isinstance(rule, str) else json.dumps(rule))

    def test_n_times_then_served_and_only_on_data_operations(self):
        self.rule("flaky", {"answer": "503", "times": 2})
        self.assertEqual(self.call("HEAD", "flaky/f")[0], 200)  # not a data operation
        for _ in range(2):
            status, headers, _ = self.call("GET", "flaky/f")
            self.assertEqual((status, headers["x-ms-error-code"]), (503, "ServerBusy"))
        self.assertEqual(self.call("GET", "flaky/f")[:3:2], (200, b"data"))
        self.assertEqual(self.call("GET", "calm/f")[0], 200)
        self.rule("flaky", {"answer": "500", "times": 1, "ops": ["GetFileProperties"]})  # again
        status, headers, _ = self.call("HEAD", "flaky/f")
        self.assertEqual((status, headers["x-ms-error-code"]), (500, "InternalError"))
        self.assertEqual(self.call("HEAD", "flaky/f")[0], 200)
        deadline = time.monotonic() + 2  # a log line is written after its answer
        while True:
            faults = [line.get("fault") for line in self.log_lines()]
            if faults.count("500") or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        self.assertEqual((faults.count("503"), faults.count("500")), (2, 1))

    def test_always_until_the_rule_goes(self):
        self.rule("flaky", {"answer": "reset"})
        for _ in range(3):
            with self.assertRaises(ConnectionError):
                self.call("PUT", "flaky/f", "comp=range", {"x-ms-range": "bytes=0-3", "x-ms-write": "update"}, b"DATA")
            self.conn.close()
        os.remove(os.path.join(self.faults, "flaky.json"))
        self.assertEqual(self.call("GET", "flaky/f")[2], b"data")

    def test_bad_or_foreign_rules_are_refused(self):
        for rule in ("[", {"answer": "429"}, {"answer": "503", "times": "2"}, {"answer": "503", "ops": "GetFile"}):
            self.rule("flaky", rule)
            os.utime(os.path.join(self.faults, "flaky.json"), ns=(len(str(rule)), len(str(rule))))
            status, headers, _ = self.call("GET", "flaky/f")
            self.assertEqual((status, headers["x-ms-error-code"]), (400, "InvalidFaultRule"), rule)
        self.rule("flaky", {"answer": "503"})
        os.chmod(os.path.join(self.faults, "flaky.json"), 0o666)
        status, headers, body = self.call("GET", "flaky/f")
        self.assertEqual((status, headers["x-ms-error-code"]), (400, "InvalidFaultRule"))
        self.assertIn(b"not this user", body)


class ListTest(ServerTest):
    page_size = 2

    def list_page(self, marker="", quote=q):
        query = "restype=directory&comp=list" + (f"&marker={quote(marker)}" if marker else "")
        status, headers, body = self.call("GET", "share/dir", query)
        self.assertEqual((status, headers["content-type"]), (200, "application/xml"))
        return ET.fromstring(body), body

    def test_paging_and_names(self):
        root = os.path.join(self.data, "share", "dir")
        os.makedirs(os.path.join(root, "sub dir"))
        names = {"a&b<c>.txt": b"12345", "with space.txt": b"", "été.txt": b"xy", "z\"q'.bin": b"1"}
        for name, data in names.items():
            with open(os.path.join(root, name), "wb") as f:
                f.write(data)
        seen, markers, marker = [], [], ""
        while True:
            tree, body = self.list_page(marker)
            entries = list(tree.find("Entries"))
            self.assertLessEqual(len(entries), 2)
            for e in entries:
                length = e.find("Properties/Content-Length")
                seen.append((e.tag, e.find("Name").text, None if length is None else int(length.text)))
            marker = tree.find("NextMarker").text or ""
            if not marker:
                self.assertIn(b"<NextMarker />", body)
                break
            self.assertNotIn(marker, [e.find("Name").text for e in entries])  # opaque
            markers.append(marker)
        self.assertEqual(len(markers), 2)  # 5 entries, page size 2: 3 pages
        expected = sorted([("File", n, len(d)) for n, d in names.items()]
                          + [("Directory", "sub dir", None)], key=lambda t: t[1])
        self.assertEqual(seen, expected)
        self.assertEqual(tree.attrib["DirectoryPath"], "dir")
        self.assertEqual(tree.find("Marker").text, markers[-1])

    def test_pages_of_names_with_spaces_sent_as_go_sends_them(self):
        # Go's url.Values encodes a space as '+' and a '+' as %2B: every name comes back once.
        root = os.path.join(self.data, "share", "dir")
        os.makedirs(root)
        names = [f"photo {i:04d}.jpg" for i in range(12)] + ["a+b.txt", "a b.txt", "ab.txt"]
        for name in names:
            open(os.path.join(root, name), "wb").close()
        for quote in (q, lambda m: urllib.parse.quote_plus(m, safe="")):
            seen, marker, pages = [], "", 0
            while True:
                tree, _ = self.list_page(marker, quote)
                seen += [e.find("Name").text for e in tree.find("Entries")]
                pages += 1
                marker = tree.find("NextMarker").text or ""
                if not marker:
                    break
            self.assertEqual((seen, pages), (sorted(names), 8))

    def test_a_marker_it_did_not_give_is_refused(self):
        os.makedirs(os.path.join(self.data, "share", "dir"))
        for marker in ("photo 0001.jpg", "1!not base64", "1!" + base64.b64encode(b"\xff").decode()):
            status, headers, _ = self.call("GET", "share/dir",
                                           "restype=directory&comp=list&marker=" + q(marker))
            self.assertEqual((status, headers["x-ms-error-code"]), (400, "OutOfRangeInput"), marker)

    def test_prefix_and_missing_dir(self):
        root = os.path.join(self.data, "share")
        os.makedirs(root)
        for name in ("ab", "ac", "b"):
            open(os.path.join(root, name), "wb").close()
        status, _, body = self.call("GET", "share", "restype=directory&comp=list&prefix=a&include=Timestamps,ETag")
        names = [e.find("Name").text for e in ET.fromstring(body).find("Entries")]
        self.assertEqual((status, names), (200, ["ab", "ac"]))
        status, headers, _ = self.call("GET", "share/nope", "restype=directory&comp=list")
        self.assertEqual((status, headers["x-ms-error-code"]), (404, "ResourceNotFound"))


class FromUrlTest(ServerTest):

    def test_put_range_from_url_reads_source_with_range(self):
        os.makedirs(os.path.join(self.data, "share"))
        data = bytes(range(256)) * 40
        with open(os.path.join(self.data, "share", "src.bin"), "wb") as f:
            f.write(data)
        self.create_file("share/dst.bin", b"\0" * len(data))
        source = f"http://127.0.0.1:{self.port}/{ACCOUNT}/share/src.bin?{self.sas}"
        for first, last in ((0, 4095), (4096, len(data) - 1)):
            status, headers, _ = self.call("PUT", "share%2Fdst.bin", "comp=range", {
                "x-ms-copy-source": source, "x-ms-range": f"bytes={first}-{last}",
                "x-ms-source-range": f"bytes={first}-{last}", "x-ms-write": "update"})
            self.assertEqual(status, 201)
            self.assertIn("last-modified", headers)
        self.assertEqual(self.call("GET", "share/dst.bin")[2], data)
        source_gets = [line for line in self.log_lines()
                       if line["method"] == "GET" and line["path"].endswith("src.bin")]
        self.assertEqual([line["status"] for line in source_gets], [206, 206])

    def test_source_failure(self):
        os.makedirs(os.path.join(self.data, "share"))
        self.create_file("share/dst.bin", b"\0" * 10)
        source = f"http://127.0.0.1:{self.port}/{ACCOUNT}/share/missing.bin?{self.sas}"
        status, headers, _ = self.call("PUT", "share/dst.bin", "comp=range", {
            "x-ms-copy-source": source, "x-ms-range": "bytes=0-9",
            "x-ms-source-range": "bytes=0-9", "x-ms-write": "update"})
        self.assertEqual((status, headers["x-ms-error-code"]), (404, "CannotVerifyCopySource"))


class SasTest(ServerTest):

    def setUp(self):
        super().setUp()
        os.makedirs(os.path.join(self.data, "share"))
        with open(os.path.join(self.data, "share", "f.txt"), "wb") as f:
            f.write(b"data")

    def refused(self, token, code, method="GET", path="share/f.txt", query=""):
        status, headers, body = self.call(method, path, query, token=token)
        self.assertEqual((status, headers.get("x-ms-error-code")), (403, code))
        if method != "HEAD":
            self.assertIn(f"<Code>{code}</Code>".encode(), body)

    def test_refusals(self):
        good = dict(parse_sas(self.sas))
        tampered = urllib.parse.urlencode({**good, "sp": "rwdlacupx"})
        self.refused(tampered, "AuthenticationFailed")
        self.refused(self.sas.replace("sig=", "sig=A"), "AuthenticationFailed")
        self.refused("", "AuthenticationFailed")
        past = NOW - datetime.timedelta(minutes=1)
        self.refused(sas.account_sas(ACCOUNT, expiry=past), "AuthenticationFailed")
        future = NOW + datetime.timedelta(minutes=10)
        self.refused(sas.account_sas(ACCOUNT, start=future), "AuthenticationFailed")
        self.refused(sas.account_sas(ACCOUNT, key=base64.b64encode(b"another key").decode()), "AuthenticationFailed")
        self.refused(sas.account_sas(ACCOUNT, services="b"), "AuthorizationServiceMismatch")
        self.refused(sas.account_sas(ACCOUNT, resource_types="sc"), "AuthorizationResourceTypeMismatch")
        self.refused(sas.account_sas(ACCOUNT, permissions="wl"), "AuthorizationPermissionMismatch")
        self.refused(sas.account_sas(ACCOUNT, permissions="r"), "AuthorizationPermissionMismatch",
                     "GET", "share", "restype=directory&comp=list")
        self.refused(sas.account_sas(ACCOUNT, permissions="rl"), "AuthorizationPermissionMismatch",
                     "DELETE", "share/f.txt")
        self.refused(sas.account_sas(ACCOUNT, protocol="https"), "AuthorizationProtocolMismatch")
        self.refused(sas.account_sas(ACCOUNT, version="2019-12-12", services="b"),
                     "AuthorizationServiceMismatch", "HEAD")
        self.assertTrue(os.path.exists(os.path.join(self.data, "share", "f.txt")))
        self.assertTrue(all(line["sas_ok"] is False for line in self.log_lines()))

    def test_accepted(self):
        old = sas.account_sas(ACCOUNT, version="2019-12-12", services="f", resource_types="o",
                              permissions="r")
        self.assertEqual(self.call("GET", "share/f.txt", token=old)[:3:2], (200, b"data"))
        share_sas = sas.file_service_sas(ACCOUNT, share="share", permissions="rl")
        self.assertEqual(self.call("GET", "share/f.txt", token=share_sas)[0], 200)
        self.assertEqual(self.call("GET", "share", "restype=directory&comp=list", token=share_sas)[0], 200)
        self.assertEqual(self.call("HEAD", "share/f.txt", token=share_sas)[0], 200)
        file_sas = sas.file_service_sas(ACCOUNT, share="share", path="f.txt", permissions="r")
        self.assertEqual(self.call("GET", "share/f.txt", token=file_sas)[2], b"data")
        self.assertTrue(all(line["sas_ok"] for line in self.log_lines()))

    def test_service_sas_refusals(self):
        file_sas = sas.file_service_sas(ACCOUNT, share="share", path="f.txt", permissions="r")
        self.refused(file_sas, "AuthenticationFailed", path="share/other.txt")  # other resource
        self.refused(file_sas, "AuthorizationPermissionMismatch", "DELETE")
        share_sas = sas.file_service_sas(ACCOUNT, share="share", permissions="rl")
        self.refused(share_sas, "AuthenticationFailed", path="other/f.txt")
        self.refused(share_sas, "AuthorizationResourceTypeMismatch", "PUT", "share", "restype=share")
        self.refused(share_sas, "AuthorizationResourceTypeMismatch", "DELETE", "share", "restype=share")
        self.refused(share_sas, "AuthorizationPermissionMismatch", "PUT", "share/d", "restype=directory")

    def test_unknown_operation_is_501_and_logged(self):
        for method, path, query in (("PUT", "share/f.txt", "comp=lease"),
                                    ("GET", "", "restype=service&comp=stats"),
                                    ("GET", "", "comp=list"),
                                    ("MERGE", "share/f.txt", "")):
            status, headers, _ = self.call(method, path, query)
            self.assertEqual((status, headers["x-ms-error-code"]), (501, "NotImplemented"))
        lines = self.log_lines()
        self.assertEqual([(line["unknown"], line["status"]) for line in lines], [(True, 501)] * 4)
        self.assertEqual(lines[-1]["method"], "MERGE")  # a method it has no handler for
        self.assertTrue(all(line["sas_ok"] for line in lines[:3]))

    def test_log_holds_no_signature(self):
        sig = dict(parse_sas(self.sas))["sig"]
        self.create_file("share/g.txt", b"abc")
        source = f"http://127.0.0.1:{self.port}/{ACCOUNT}/share/f.txt?{self.sas}"
        self.call("PUT", "share/g.txt", "comp=range", {
            "x-ms-copy-source": source, "x-ms-range": "bytes=0-2",
            "x-ms-source-range": "bytes=0-2", "x-ms-write": "update"})
        self.call("GET", "share/f.txt", token=self.sas.replace("sig=", "sig=A"))
        with open(self.log_path, encoding="utf-8") as f:
            text = f.read()
        self.assertGreaterEqual(text.count("sig=REDACTED"), 6)
        for form in (sig, urllib.parse.quote(sig, safe=""), urllib.parse.quote(urllib.parse.quote(sig, safe=""), safe="")):
            self.assertNotIn(form, text)
        self.assertNotRegex(text, r"sig(=|%3D)(?!REDACTED)")


def parse_sas(token: str):
    return [(k, urllib.parse.unquote(v)) for k, _, v in (p.partition("=") for p in token.split("&"))]


class SlowShareTest(ServerTest):
    """Shares named slow-* share one byte budget (here 100 kB/s); the others are not paced."""

    def setUp(self):
        super().setUp()
        self.server.files.pacer = operations.Pacer(100_000)

    def parallel_reads(self, share: str, readers: int = 4, size: int = 25_000) -> float:
        self.assertEqual(self.call("PUT", share, "restype=share")[0], 201)
        self.create_file(f"{share}/f.bin", os.urandom(size))
        bodies = []

        def read():
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            conn.request("GET", self.url(f"{share}/f.bin"), headers={"x-ms-version": "2025-07-05"})
            bodies.append(len(conn.getresponse().read()))
            conn.close()
        threads = [threading.Thread(target=read) for _ in range(readers)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(bodies, [size] * readers)
        return time.monotonic() - t0

    def test_slow_share_reads_share_one_budget(self):
        # 4 x 25 kB at 100 kB/s: the last read starts 0.75 s after the first
        self.assertGreaterEqual(self.parallel_reads("slow-share"), 0.75)
        self.assertGreater(self.server.files.pacer.free_at, 0)

    def test_other_shares_are_not_paced(self):
        self.parallel_reads("share")
        self.assertEqual(self.server.files.pacer.free_at, 0.0)


class CommandLineTest(unittest.TestCase):

    def test_listening_line_and_sigterm(self):
        with tempfile.TemporaryDirectory() as tmp:
            proc = subprocess.Popen(
                [sys.executable, os.path.join(HERE, "files_server.py"), "--port", "0",
                 "--data-dir", os.path.join(tmp, "d"), "--log", os.path.join(tmp, "log")],
                stdout=subprocess.PIPE, text=True)
            try:
                line = proc.stdout.readline().strip()
                self.assertRegex(line, r"^listening 127\.0\.0\.1:\d+$")
                port = int(line.rsplit(":", 1)[1])
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("PUT", f"/{ACCOUNT}/s?restype=share&{sas.account_sas()}",
                             headers={"Content-Length": "0"})
                self.assertEqual(conn.getresponse().status, 201)
                conn.close()
                self.assertTrue(os.path.isdir(os.path.join(tmp, "d", "s")))
                proc.send_signal(signal.SIGTERM)
                self.assertEqual(proc.wait(timeout=5), 0)
            finally:
                if proc.poll() is None:
                    proc.kill()
                proc.stdout.close()

    def test_sas_cli(self):
        out = subprocess.run([sys.executable, os.path.join(HERE, "sas.py"), "account",
                              "--services", "f", "--expiry-minutes", "5", "--start-minutes", "-5"],
                             capture_output=True, text=True, check=True).stdout.strip()
        params = dict(parse_sas(out))
        self.assertFalse(out.startswith("?"))
        self.assertEqual((params["ss"], params["srt"], params["sp"]), ("f", "sco", "rwdlacup"))
        self.assertEqual(sas.check_signature(params, ACCOUNT, sas.EMULATOR_KEY, "s", ""), "account")


if __name__ == "__main__":
    unittest.main()
