"""The Files REST operations of the Azure Files test server.

Which operation a request is (classify; OPERATIONS: what a SAS needs for each), the operations a
fault rule fails by default and the answers it can give, the pacing of the `slow-` shares
(Pacer), and the operations themselves (Files): each takes a request and returns a Response.
emulator_common must be importable: files_server.py puts emulators/ on sys.path.
"""
import json
import os
import shutil
import threading
import time
from xml.sax.saxutils import escape

from emulator_common import fetch_source
from store import Store
from wire import (DEFAULT_CONTENT_TYPE, MAX_RANGE, PERMISSION_KEY, PERMISSION_SDDL, FilesError,
                  Response, check_body_md5, check_new_name, content_headers, etag, exact_range,
                  http_date, listable, make_marker, metadata_of, parse_range, read_marker,
                  smb_time)

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
