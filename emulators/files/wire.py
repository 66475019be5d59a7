"""Wire helpers of the Azure Files test server: what the Files REST protocol looks like.

The protocol constants, an error answer (FilesError), an answer (Response), ResetFault, and the
stateless helpers that read and write request and answer fields: query decoding, listing
markers, path splitting, ranges, HTTP and SMB dates, ETags, Azure Files' name rules, content
headers, Content-MD5 and metadata.
"""
import base64
import datetime
import email.utils
import hashlib
import re
import urllib.parse

SERVICE_VERSION = "2025-07-05"
PERMISSION_SDDL = "O:BAG:BAD:(A;;FA;;;BA)"
PERMISSION_KEY = "4066528134148476695*1"
MAX_RANGE = 4 * 1024 * 1024


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
