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
"""
import argparse
import base64
import datetime
import email.utils
import hashlib
import http.server
import json
import os
import re
import shutil
import sys
import threading
import time
import urllib.parse
import uuid
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]
import sas  # noqa: E402  (sits next to this file)
from emulator_common import (Faults, FaultRuleError, Log, fetch_source,  # noqa: E402  (emulators/)
                             reset_connection, serve_until_signalled)

SERVICE_VERSION = "2025-07-05"
PERMISSION_SDDL = "O:BAG:BAD:(A;;FA;;;BA)"
PERMISSION_KEY = "4066528134148476695*1"
MAX_RANGE = 4 * 1024 * 1024

# Operation -> (account SAS resource type, permissions any of which grants it, service SAS `sr`s).
OPERATIONS = {
    "CreateShare": ("c", "cw", ""), "DeleteShare": ("c", "d", ""),
    "GetShareProperties": ("c", "r", "s"), "GetFilePermission": ("c", "r", "s"),
    "ListDirectoriesAndFiles": ("c", "l", "s"),
    "CreateDirectory": ("o", "cw", "s"), "GetDirectoryProperties": ("o", "r", "s"),
    "SetDirectoryProperties": ("o", "w", "s"), "SetDirectoryMetadata": ("o", "w", "s"),
    "DeleteDirectory": ("o", "d", "s"),
    "CreateFile": ("o", "cw", "sf"), "GetFile": ("o", "r", "sf"),
    "GetFileProperties": ("o", "r", "sf"), "PutRange": ("o", "w", "sf"),
    "PutRangeFromURL": ("o", "w", "sf"), "SetFileProperties": ("o", "w", "sf"),
    "SetFileMetadata": ("o", "w", "sf"), "DeleteFile": ("o", "d", "sf"),
}
SHARE_OPS = {("PUT", ""): "CreateShare", ("DELETE", ""): "DeleteShare",
             ("GET", ""): "GetShareProperties", ("HEAD", ""): "GetShareProperties",
             ("GET", "filepermission"): "GetFilePermission"}
DIRECTORY_OPS = {("PUT", ""): "CreateDirectory", ("DELETE", ""): "DeleteDirectory",
                 ("GET", ""): "GetDirectoryProperties", ("HEAD", ""): "GetDirectoryProperties",
                 ("PUT", "properties"): "SetDirectoryProperties",
                 ("PUT", "metadata"): "SetDirectoryMetadata", ("GET", "list"): "ListDirectoriesAndFiles"}
FILE_OPS = {("GET", ""): "GetFile", ("HEAD", ""): "GetFileProperties", ("DELETE", ""): "DeleteFile",
            ("PUT", "properties"): "SetFileProperties", ("PUT", "metadata"): "SetFileMetadata"}


# The operations that move a file's bytes: what a fault rule fails unless it names others.
DATA_OPS = ("GetFile", "PutRange", "PutRangeFromURL")
FAULTS = {"503": (503, "ServerBusy", "The server is currently unable to receive requests. "
                  "Please retry your request."),
          "500": (500, "InternalError", "The server encountered an internal error. "
                  "Please retry the request.")}


class ResetFault(Exception):
    """A fault rule says: end this connection without an answer."""


class FilesError(Exception):
    """An error answer: HTTP status, x-ms-error-code and message."""

    def __init__(self, status: int, code: str, message: str = ""):
        super().__init__(message or code)
        self.status, self.code, self.message = status, code, message or code


class Response:
    """An answer; FILE_PART = (path, offset, length) streams file bytes instead of BODY."""

    def __init__(self, status, headers=None, body=b"", file_part=None, head_length=None):
        self.status, self.headers, self.body = status, list(headers or []), body
        self.file_part, self.head_length = file_part, head_length


# ---- small helpers -------------------------------------------------------------------------

def parse_query(text: str) -> dict:
    """Query parameters decoded as Azure Storage decodes them: '+' is a space (Go's client sends
    a space that way), a literal '+' comes as %2B (as in a SAS signature)."""
    out = {}
    for part in text.split("&"):
        if part:
            k, _, v = part.partition("=")
            out[urllib.parse.unquote_plus(k)] = urllib.parse.unquote_plus(v)
    return out


MARKER_FORM = "1!"


def make_marker(name: str) -> str:
    """An opaque continuation marker for a listing that resumes after NAME. Like Azure's, it
    holds characters a client must escape ('!', '+', '/', '='): it is not a name."""
    return MARKER_FORM + base64.b64encode(name.encode("utf-8")).decode("ascii")


def read_marker(marker: str) -> str:
    """The name a marker of make_marker resumes after ("" for none); 400 for any other text."""
    if not marker:
        return ""
    try:
        if not marker.startswith(MARKER_FORM):
            raise ValueError(marker)
        return base64.b64decode(marker[len(MARKER_FORM):], validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise FilesError(400, "OutOfRangeInput", "The marker is not one this server gave.") from None


def split_path(raw: str):
    """(account, share or None, relative path) of a fully percent-decoded request path."""
    try:
        text = urllib.parse.unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise FilesError(400, "InvalidUri", "The path is not UTF-8.") from None
    parts = [p for p in text.split("/") if p]
    if "\x00" in text or any(p in (".", "..") for p in parts):
        raise FilesError(400, "InvalidUri", "The path holds NUL or a '.' or '..' segment.")
    return (parts[0] if parts else ""), (parts[1] if len(parts) > 1 else None), "/".join(parts[2:])


def parse_range(text: str):
    """(first, last) of `bytes=a-b` (last None for `bytes=a-`), or None when TEXT is empty."""
    if not text:
        return None
    m = re.fullmatch(r"\s*bytes=(\d+)-(\d*)\s*", text)
    if not m or (m.group(2) and int(m.group(2)) < int(m.group(1))):
        raise FilesError(400, "InvalidHeaderValue", f"Bad range {text!r}.")
    return int(m.group(1)), (int(m.group(2)) if m.group(2) else None)


def exact_range(headers, name: str):
    """(first, last) of a required closed range header."""
    rng = parse_range(headers.get(name, ""))
    if rng is None or rng[1] is None:
        raise FilesError(400, "MissingRequiredHeader", f"{name}: bytes=a-b is required.")
    return rng


def http_date(t: float) -> str:
    return email.utils.formatdate(int(t), usegmt=True)


def smb_time(t: float) -> str:
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def etag(last_modified: float, size: int) -> str:
    return f'"0x{int(last_modified * 1e6):X}{size:X}"'


def listable(name: str) -> bool:
    """False for names that cannot go into the listing XML (not UTF-8, control characters)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not any(ord(c) < 0x20 for c in name)


def fold(name: str) -> str:
    """The key two names are the same under: upper case, one character for one (as NTFS)."""
    return "".join(c.upper() if len(c.upper()) == 1 else c for c in name)


INVALID_NAME_CHARACTERS = set('"\\:|<>*?') | {chr(i) for i in range(0x20)}
RESERVED_NAMES = {"CON", "PRN", "AUX", "NUL", "CLOCK$"} | {f"{d}{i}" for d in ("COM", "LPT")
                                                          for i in range(1, 10)}


def check_new_name(name: str):
    """400 InvalidResourceName for a name Azure Files cannot hold."""
    if (not name or len(name.encode("utf-16-le")) > 2 * 255 or INVALID_NAME_CHARACTERS & set(name)
            or name.upper() in RESERVED_NAMES):
        raise FilesError(400, "InvalidResourceName",
                         "The specifed resource name contains invalid characters.")


def trim_trailing_dots(path: str) -> str:
    """What Azure Files does to a path sent without x-ms-allow-trailing-dot: true."""
    return "/".join(part.rstrip(".") or part for part in path.split("/")) if path else path


# x-ms-<header> of Create File and Set File Properties -> the header a read answers with.
CONTENT_HEADERS = {"x-ms-content-type": "Content-Type", "x-ms-content-encoding": "Content-Encoding",
                   "x-ms-content-language": "Content-Language", "x-ms-cache-control": "Cache-Control",
                   "x-ms-content-disposition": "Content-Disposition",
                   "x-ms-content-md5": "Content-MD5"}
DEFAULT_CONTENT_TYPE = "application/octet-stream"


def content_headers(headers) -> dict:
    """The content headers a request sets (each one it leaves out is cleared, as Azure does)."""
    out = {}
    for name, answer in CONTENT_HEADERS.items():
        value = headers.get(name, "")
        if value:
            out[answer] = value
    md5 = out.get("Content-MD5")
    if md5 is not None and not valid_md5(md5):
        raise FilesError(400, "InvalidHeaderValue", "x-ms-content-md5 is not a base64 MD5.")
    return out


def valid_md5(text: str) -> bool:
    try:
        return len(base64.b64decode(text, validate=True)) == 16
    except ValueError:
        return False


def metadata_of(headers) -> list:
    """[(name, value)] of the x-ms-meta-* headers of a request; a name must be a C# identifier."""
    out = []
    for name, value in headers.items():
        if name.lower().startswith("x-ms-meta-"):
            key = name[len("x-ms-meta-"):]
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
                raise FilesError(400, "InvalidMetadata", f"Bad metadata name {key!r}.")
            out.append((key, value))
    return out


def check_body_md5(headers, body: bytes):
    """400 Md5Mismatch when a Content-MD5 header does not match the body, as Azure does."""
    sent = headers.get("Content-MD5")
    if sent and base64.b64encode(hashlib.md5(body).digest()).decode() != sent:
        raise FilesError(400, "Md5Mismatch", "The MD5 value specified in the request did not "
                         "match with the MD5 value calculated by the server.")


# ---- the share trees on disk ---------------------------------------------------------------

class Store:
    """Shares as folders under ROOT, plus each item's Last-Modified (time of the last REST change)."""

    def __init__(self, root: str):
        self.root = os.path.abspath(root)
        self._changed = {}
        self._headers = {}  # (share, path) -> {response header: value} (Content-Type, -MD5...)
        self._metadata = {}  # (share, path) -> [(name, value)], names as set
        self._lock = threading.Lock()
        self._names = {}  # directory -> (its st_mtime_ns, {fold(name): name})
        self.create_lock = threading.Lock()  # one lookup-then-create at a time

    def local(self, share: str, path: str = "") -> str:
        return os.path.join(self.root, share, *path.split("/")) if path else os.path.join(self.root, share)

    def _index(self, directory: str) -> dict:
        """{fold(name): name} of a directory, rebuilt when its mtime moved; {} when missing."""
        try:
            mtime = os.stat(directory).st_mtime_ns
        except OSError:
            return {}
        with self._lock:
            cached = self._names.get(directory)
            if cached and cached[0] == mtime:
                return cached[1]
        try:
            with os.scandir(directory) as it:
                names = {fold(e.name): e.name for e in it}
        except OSError:  # not a directory (a path through a file), or gone meanwhile
            return {}
        with self._lock:
            self._names[directory] = (mtime, names)
        return names

    def created(self, local: str):
        """Keeps the index of LOCAL's directory current after this server made LOCAL (under
        create_lock), so that a folder being filled is not scanned again for each new name."""
        directory, name = os.path.split(local)
        with self._lock:
            cached = self._names.get(directory)
            if cached:
                cached[1][fold(name)] = name
                self._names[directory] = (os.stat(directory).st_mtime_ns, cached[1])

    def canonical(self, share: str, path: str) -> str:
        """PATH with each existing component spelt as it is stored (names are case-preserving
        and case-insensitive); components that do not exist are kept as given."""
        if not path:
            return path
        here, out = self.local(share), []
        for part in path.split("/"):
            if not os.path.lexists(os.path.join(here, part)):
                part = self._index(here).get(fold(part), part)
            out.append(part)
            here = os.path.join(here, part)
        return "/".join(out)

    def set_headers(self, share: str, path: str, headers: dict):
        with self._lock:
            self._headers[(share, path)] = headers

    def set_metadata(self, share: str, path: str, metadata: list):
        with self._lock:
            self._metadata[(share, path)] = metadata

    def stored(self, share: str, path: str):
        """(content headers, metadata) of an item: what the REST calls set, or none."""
        with self._lock:
            return self._headers.get((share, path), {}), self._metadata.get((share, path), [])

    def touch(self, share: str, path: str):
        with self._lock:
            self._changed[(share, path)] = time.time()

    def forget(self, share: str, path: str = None):
        with self._lock:
            for table in (self._changed, self._headers, self._metadata):
                for key in [k for k in table if k[0] == share and path in (None, k[1])]:
                    del table[key]

    def last_modified(self, share: str, path: str, st) -> float:
        """The last REST change, or the disk mtime when later (files laid out by a test)."""
        with self._lock:
            return max(self._changed.get((share, path), 0.0), st.st_mtime)

    def properties(self, share: str, path: str, st, is_dir: bool) -> list:
        """Last-Modified, ETag and the SMB property headers of an item."""
        lm = self.last_modified(share, path, st)
        return [("Last-Modified", http_date(lm)), ("ETag", etag(lm, st.st_size)),
                ("x-ms-file-attributes", "Directory" if is_dir else "Archive"),
                ("x-ms-file-creation-time", smb_time(st.st_mtime)),
                ("x-ms-file-last-write-time", smb_time(st.st_mtime)),
                ("x-ms-file-change-time", smb_time(st.st_mtime)),
                ("x-ms-file-permission-key", PERMISSION_KEY),
                ("x-ms-file-id", str(st.st_ino)), ("x-ms-file-parent-id", "0")]


# ---- the operations ------------------------------------------------------------------------

def classify(method: str, path: str, q: dict, headers):
    """The operation name of a request, or None when the server does not serve it."""
    restype, comp = q.get("restype", "").lower(), q.get("comp", "").lower()
    if "sharesnapshot" in q or "snapshot" in q:
        return None
    if restype == "share":
        return None if path else SHARE_OPS.get((method, comp))
    if restype == "directory":
        return DIRECTORY_OPS.get((method, comp))
    if restype:
        return None
    if method == "PUT" and comp == "":
        if headers.get("x-ms-type", "").lower() == "file" and not headers.get("x-ms-copy-source"):
            return "CreateFile"
        return None
    if method == "PUT" and comp == "range":
        return "PutRangeFromURL" if headers.get("x-ms-copy-source") else "PutRange"
    return FILE_OPS.get((method, comp))


SLOW_SHARE_PREFIX = "slow-"


class Pacer:
    """One byte budget a second shared by every request that takes from it: each waits until
    the bytes before it have had their time (a request of n bytes holds n / rate seconds)."""

    def __init__(self, bytes_per_second: int):
        self.rate = bytes_per_second
        self.lock = threading.Lock()
        self.free_at = 0.0

    def take(self, nbytes: int):
        with self.lock:
            now = time.monotonic()
            start = max(now, self.free_at)
            self.free_at = start + nbytes / self.rate
        if start > now:
            time.sleep(start - now)


class Files:
    """The Files operations on a Store; each takes a request and returns a Response."""

    def __init__(self, store: Store, page_size: int, slow_bytes_per_second: int = 1 << 20):
        self.store, self.page_size = store, page_size
        self.pacer = Pacer(slow_bytes_per_second)

    def _pace(self, req, nbytes: int):
        if req.share.startswith(SLOW_SHARE_PREFIX):
            self.pacer.take(nbytes)

    # -- lookups

    def _share(self, req) -> str:
        local = self.store.local(req.share)
        if not os.path.isdir(local):
            raise FilesError(404, "ShareNotFound", "The specified share does not exist.")
        return local

    def _dir(self, req) -> str:
        self._share(req)
        local = self.store.local(req.share, req.path)
        if not os.path.isdir(local):
            raise FilesError(404, "ResourceNotFound", "The specified directory does not exist.")
        return local

    def _file(self, req) -> str:
        self._share(req)
        local = self.store.local(req.share, req.path)
        if not req.path or not os.path.isfile(local):
            raise FilesError(404, "ResourceNotFound", "The specified resource does not exist.")
        return local

    def _new_item(self, req) -> str:
        """Local path of an item to create (under store.create_lock): its name must be one Azure
        Files can hold, its parent directory must exist; an item of the same name whatever its
        case is that item."""
        self._share(req)
        if not req.path:
            raise FilesError(400, "InvalidUri", "No file or directory name.")
        check_new_name(req.path.rsplit("/", 1)[-1])
        req.path = self.store.canonical(req.share, req.path)
        local = self.store.local(req.share, req.path)
        if not os.path.isdir(os.path.dirname(local)):
            raise FilesError(404, "ParentNotFound", "The specified parent path does not exist.")
        return local

    def _props(self, req, local: str, status: int = 200, is_dir: bool = False) -> Response:
        return Response(status, self.store.properties(req.share, req.path, os.stat(local), is_dir)
                        + [("x-ms-request-server-encrypted", "true")])

    def _stored(self, req, response: Response, is_dir: bool) -> Response:
        """RESPONSE with the item's metadata and, for a file, its content headers."""
        headers, metadata = self.store.stored(req.share, req.path)
        if not is_dir:
            response.headers += [("Content-Type", headers.get("Content-Type", DEFAULT_CONTENT_TYPE))]
            response.headers += [(k, v) for k, v in headers.items() if k != "Content-Type"]
        response.headers += [("x-ms-meta-" + k, v) for k, v in metadata]
        return response

    # -- shares

    def CreateShare(self, req):
        try:
            os.makedirs(self.store.root, exist_ok=True)
            os.mkdir(self.store.local(req.share))
        except FileExistsError:
            raise FilesError(409, "ShareAlreadyExists", "The specified share already exists.") from None
        self.store.touch(req.share, "")
        return self._props(req, self.store.local(req.share), 201, True)

    def DeleteShare(self, req):
        shutil.rmtree(self._share(req))
        self.store.forget(req.share)
        return Response(202)

    def GetShareProperties(self, req):
        response = self._props(req, self._share(req), 200, True)
        response.headers += [("x-ms-share-quota", "5120"), ("x-ms-enabled-protocols", "SMB"),
                             ("x-ms-access-tier", "TransactionOptimized")]
        return response

    def GetFilePermission(self, req):
        self._share(req)
        if not req.headers.get("x-ms-file-permission-key"):
            raise FilesError(400, "MissingRequiredHeader", "x-ms-file-permission-key is required.")
        body = json.dumps({"permission": PERMISSION_SDDL}).encode()
        return Response(200, [("Content-Type", "application/json")], body)

    # -- directories

    def CreateDirectory(self, req):
        if not req.path:
            self._share(req)
            raise FilesError(409, "ResourceAlreadyExists", "The share root exists.")
        metadata = metadata_of(req.headers)
        with self.store.create_lock:
            local = self._new_item(req)
            try:
                os.mkdir(local)
            except FileExistsError:
                raise FilesError(409, "ResourceAlreadyExists", "The specified resource already exists.") from None
            self.store.created(local)
        self.store.set_metadata(req.share, req.path, metadata)
        self.store.touch(req.share, req.path)
        return self._props(req, local, 201, True)

    def GetDirectoryProperties(self, req):
        return self._stored(req, self._props(req, self._dir(req), 200, True), True)

    def SetDirectoryProperties(self, req):
        local = self._dir(req)
        self.store.touch(req.share, req.path)
        return self._props(req, local, 200, True)

    def SetDirectoryMetadata(self, req):
        local = self._dir(req)
        self.store.set_metadata(req.share, req.path, metadata_of(req.headers))
        self.store.touch(req.share, req.path)
        return self._props(req, local, 200, True)

    def DeleteDirectory(self, req):
        local = self._dir(req)
        if not req.path:
            raise FilesError(400, "InvalidUri", "The share root cannot be deleted.")
        if os.listdir(local):
            raise FilesError(409, "DirectoryNotEmpty", "The specified directory is not empty.")
        os.rmdir(local)
        self.store.forget(req.share, req.path)
        return Response(202)

    def ListDirectoriesAndFiles(self, req):
        local = self._dir(req)
        q = req.query
        prefix, after = q.get("prefix", ""), read_marker(q.get("marker", ""))
        try:
            limit = min(int(q.get("maxresults", self.page_size)), self.page_size)
        except ValueError:
            raise FilesError(400, "InvalidQueryParameterValue", "Bad maxresults.") from None
        if limit < 1:
            raise FilesError(400, "OutOfRangeQueryParameterValue", "maxresults must be >= 1.")
        with os.scandir(local) as it:
            names = sorted(e.name for e in it
                           if e.name.startswith(prefix) and e.name > after and listable(e.name))
        page = names[:limit]
        include = {x.strip().lower() for x in q.get("include", "").split(",") if x.strip()}
        ext = req.headers.get("x-ms-file-extended-info", "").lower() == "true"
        entries = "".join(self._entry(req, local, name, include, ext) for name in page)
        return Response(200, [("Content-Type", "application/xml")],
                        self._listing(req, q, limit, entries,
                                      make_marker(page[-1]) if len(names) > limit else ""))

    def _entry(self, req, local: str, name: str, include: set, extended: bool) -> str:
        """One <File> or <Directory> element of a listing."""
        try:
            st = os.stat(os.path.join(local, name))
        except OSError:
            return ""  # deleted meanwhile, or a broken symlink
        is_dir = os.path.isdir(os.path.join(local, name))
        rel = f"{req.path}/{name}" if req.path else name
        props = "" if is_dir else f"<Content-Length>{st.st_size}</Content-Length>"
        if "timestamps" in include:
            lm = self.store.last_modified(req.share, rel, st)
            props += "".join(f"<{t}>{smb_time(st.st_mtime)}</{t}>" for t in
                             ("CreationTime", "LastAccessTime", "LastWriteTime", "ChangeTime"))
            props += f"<Last-Modified>{http_date(lm)}</Last-Modified>"
        if "etag" in include:
            props += f"<Etag>{escape(etag(self.store.last_modified(req.share, rel, st), st.st_size))}</Etag>"
        tag = "Directory" if is_dir else "File"
        out = f"<{tag}><Name>{escape(name)}</Name>"
        out += f"<FileId>{st.st_ino}</FileId>" if extended else ""
        out += f"<Properties>{props}</Properties>" if props else "<Properties />"
        if "attributes" in include:
            out += f"<Attributes>{'Directory' if is_dir else 'Archive'}</Attributes>"
        if "permissionkey" in include:
            out += f"<PermissionKey>{PERMISSION_KEY}</PermissionKey>"
        return out + f"</{tag}>"

    def _listing(self, req, q: dict, limit: int, entries: str, next_marker: str) -> bytes:
        attr = {'"': "&quot;"}
        head = (f'<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint='
                f'"http://{escape(req.host, attr)}/{escape(req.account, attr)}/" ShareName='
                f'"{escape(req.share, attr)}" DirectoryPath="{escape(req.path, attr)}">')
        for tag, key in (("Marker", "marker"), ("Prefix", "prefix")):
            head += f"<{tag}>{escape(q[key])}</{tag}>" if q.get(key) else ""
        head += f"<MaxResults>{limit}</MaxResults>" if "maxresults" in q else ""
        tail = f"<NextMarker>{escape(next_marker)}</NextMarker>" if next_marker else "<NextMarker />"
        return (head + f"<Entries>{entries}</Entries>{tail}</EnumerationResults>").encode("utf-8")

    # -- files

    def CreateFile(self, req):
        try:
            length = int(req.headers["x-ms-content-length"])
        except (KeyError, ValueError):
            raise FilesError(400, "MissingRequiredHeader", "x-ms-content-length is required.") from None
        if length < 0:
            raise FilesError(400, "InvalidHeaderValue", "Negative x-ms-content-length.")
        headers, metadata = content_headers(req.headers), metadata_of(req.headers)
        with self.store.create_lock:
            local = self._new_item(req)
            if os.path.isdir(local):
                raise FilesError(409, "ResourceTypeMismatch", "A directory has this name.")
            with open(local, "wb") as f:
                f.truncate(length)
            self.store.created(local)
            self.store.set_headers(req.share, req.path, headers)
            self.store.set_metadata(req.share, req.path, metadata)
        self.store.touch(req.share, req.path)
        return self._props(req, local, 201)

    def GetFileProperties(self, req):
        local = self._file(req)
        response = self._stored(req, self._props(req, local), False)
        response.headers += [("x-ms-type", "File")]
        response.head_length = os.path.getsize(local)
        return response

    def GetFile(self, req):
        response = self.GetFileProperties(req)
        size = response.head_length
        rng = parse_range(req.headers.get("x-ms-range") or req.headers.get("Range") or "")
        if rng is None:
            self._pace(req, size)
            response.file_part = (self.store.local(req.share, req.path), 0, size)
            return response
        first, last = rng[0], min(rng[1] if rng[1] is not None else size - 1, size - 1)
        if first >= size:
            raise FilesError(416, "InvalidRange", "The range is not satisfiable.")
        response.status = 206
        md5 = [v for k, v in response.headers if k == "Content-MD5"]
        response.headers = [(k, v) for k, v in response.headers if k != "Content-MD5"]
        response.headers += [("x-ms-content-md5", v) for v in md5]  # the whole file's
        response.headers.append(("Content-Range", f"bytes {first}-{last}/{size}"))
        response.file_part = (self.store.local(req.share, req.path), first, last - first + 1)
        response.head_length = last - first + 1
        self._pace(req, last - first + 1)
        return response

    def _write(self, req, local: str, first: int, data: bytes) -> Response:
        with open(local, "r+b") as f:
            f.seek(first)
            f.write(data)
        self.store.touch(req.share, req.path)
        return self._props(req, local, 201)

    def _target_range(self, local: str, headers):
        first, last = exact_range(headers, "x-ms-range")
        if last >= os.path.getsize(local):
            raise FilesError(416, "InvalidRange", "The range is beyond the end of the file.")
        return first, last

    def PutRange(self, req):
        local = self._file(req)
        first, last = self._target_range(local, req.headers)
        mode = req.headers.get("x-ms-write", "").lower()
        if mode == "clear":
            with open(local, "r+b") as f:
                f.seek(first)
                for offset in range(first, last + 1, 1 << 20):
                    f.write(bytes(min(1 << 20, last + 1 - offset)))
            self.store.touch(req.share, req.path)
            return self._props(req, local, 201)
        if mode != "update":
            raise FilesError(400, "InvalidHeaderValue", "x-ms-write must be update or clear.")
        if len(req.body) != last - first + 1 or len(req.body) > MAX_RANGE:
            raise FilesError(400, "InvalidHeaderValue", "The body does not match x-ms-range.")
        check_body_md5(req.headers, req.body)
        return self._write(req, local, first, req.body)

    def PutRangeFromURL(self, req):
        local = self._file(req)
        first, last = self._target_range(local, req.headers)
        s_first, s_last = exact_range(req.headers, "x-ms-source-range")
        if s_last - s_first != last - first or last - first + 1 > MAX_RANGE:
            raise FilesError(400, "InvalidHeaderValue", "x-ms-range and x-ms-source-range differ.")
        self._pace(req, last - first + 1)
        status, data, code = fetch_source(req.headers["x-ms-copy-source"],
                                          f"bytes={s_first}-{s_last}")
        if status not in (200, 206) or len(data) != last - first + 1:
            raise FilesError(status if 400 <= status < 600 else 502, "CannotVerifyCopySource",
                             f"The copy source answered {status} {code}, {len(data)} bytes.")
        return self._write(req, local, first, data)

    def SetFileProperties(self, req):
        local = self._file(req)
        length = req.headers.get("x-ms-content-length")
        if length:
            if not length.isdigit():
                raise FilesError(400, "InvalidHeaderValue", "Bad x-ms-content-length.")
            os.truncate(local, int(length))
        self.store.set_headers(req.share, req.path, content_headers(req.headers))
        self.store.touch(req.share, req.path)
        return self._props(req, local, 200)

    def SetFileMetadata(self, req):
        local = self._file(req)
        self.store.set_metadata(req.share, req.path, metadata_of(req.headers))
        self.store.touch(req.share, req.path)
        return self._props(req, local, 200)

    def DeleteFile(self, req):
        os.remove(self._file(req))
        self.store.forget(req.share, req.path)
        return Response(202)


# ---- HTTP ----------------------------------------------------------------------------------

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
