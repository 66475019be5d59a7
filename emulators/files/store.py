"""The on-disk store of the Azure Files test server (Store).

Shares are folders under a root and their items real directories and files; what the REST calls
set and the disk cannot hold (Last-Modified, content headers, metadata) is kept in memory, with
each directory's case-insensitive name index.
"""
import os
import threading
import time

from wire import PERMISSION_KEY, etag, fold, http_date, smb_time


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
