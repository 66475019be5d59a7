#!/usr/bin/env python3
"""Small control tool for the Azurite blob emulator used by the integration tests (stdlib only).

Every request is authorised by an account SAS for devstoreaccount1 signed with the emulator's
well-known public key (it is published in the Azurite documentation: it is no secret).

Subcommands:
  sas                      print an account SAS query string (no leading '?'), valid 1 day
  url [CONTAINER[/BLOB]]   print the endpoint URL of the account, container or blob, with '?<SAS>'
  mkcontainer NAME         create a container (--exist-ok: no error when it exists)
  rmcontainer NAME         delete a container (--missing-ok: no error when it does not exist)
  lease CONTAINER/BLOB     acquire an infinite lease on a blob; prints the lease id
  break-lease CONTAINER/BLOB   break a blob's lease at once
  list CONTAINER           print "name<TAB>size" for every blob, one per line (--prefix P)
  get CONTAINER/BLOB       write the blob's bytes to stdout
  put CONTAINER/BLOB [FILE]    upload FILE (default: stdin) as a block blob
  rm CONTAINER/BLOB        delete a blob
  wait                     wait until the emulator answers (--timeout S, default 30)

--endpoint defaults to http://127.0.0.1:${AZURITE_PORT:-10000}/devstoreaccount1; the account name
is its last path segment. Exit status: 0 on success, 1 on a failed request (with a message on
stderr that never contains the SAS), 2 on bad usage.
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

# The Azure Storage emulator's well-known public account key (not a secret).
EMULATOR_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
API_VERSION = "2019-12-12"
TIMEOUT_S = 60


class CtlError(Exception):
    """A failure to report on stderr, exit status 1."""


def account_sas(account: str, key: str = EMULATOR_KEY, days: int = 1) -> str:
    """An account SAS query string, as scripts and AzCopy want it (same recipe as the recorder)."""
    sv, sp, ss, srt, spr = API_VERSION, "rwdlacup", "b", "sco", "https,http"
    expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    se = expiry.strftime("%Y-%m-%dT%H:%M:%SZ")
    string_to_sign = "\n".join([account, sp, ss, srt, "", se, "", spr, sv, ""])
    sig = base64.b64encode(
        hmac.new(base64.b64decode(key), string_to_sign.encode(), hashlib.sha256).digest()).decode()
    return urllib.parse.urlencode(
        {"sv": sv, "ss": ss, "srt": srt, "sp": sp, "se": se, "spr": spr, "sig": sig})


class Account:
    def __init__(self, endpoint: str):
        self.endpoint = endpoint.rstrip("/")
        parsed = urllib.parse.urlsplit(self.endpoint)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.query:
            raise CtlError(f"bad --endpoint {self.endpoint!r}: want http(s)://HOST:PORT/ACCOUNT")
        self.name = parsed.path.rstrip("/").rsplit("/", 1)[-1] or "devstoreaccount1"
        self.sas = account_sas(self.name)

    def url(self, path: str = "", query: str = "") -> str:
        """URL of a container/blob path (percent-encoded), with query and the SAS."""
        quoted = urllib.parse.quote(path, safe="/")
        base = f"{self.endpoint}/{quoted}" if path else self.endpoint
        return f"{base}?{query + '&' if query else ''}{self.sas}"

    def request(self, method: str, path: str, query: str = "", headers=None, body: bytes = b"",
                what: str = ""):
        """One REST call; returns (status, headers, body). HTTP errors raise CtlError."""
        hdrs = {"x-ms-version": API_VERSION, **(headers or {})}
        if method in ("PUT", "DELETE", "POST") or body:
            hdrs["Content-Length"] = str(len(body))
        req = urllib.request.Request(self.url(path, query), data=body if body else None,
                                     method=method, headers=hdrs)
        label = what or f"{method} /{path}"
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as err:
            code = err.headers.get("x-ms-error-code", "") if err.headers else ""
            detail = ""
            try:
                text = err.read().decode(errors="replace")
                m = re.search(r"<Message>(.*?)</Message>", text, re.S)
                detail = m.group(1).splitlines()[0].strip() if m else ""
            except Exception:  # noqa: BLE001 - the body is only a nicety
                pass
            raise CtlError(f"{label}: HTTP {err.code} {code or err.reason}"
                           f"{': ' + detail if detail else ''}") from None
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise CtlError(f"{label}: cannot reach the emulator at {self.endpoint} ({reason}); "
                           "is it running? (scripts/azurite.sh start)") from None


CONTAINER_RE = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$")


def check_container(name: str) -> str:
    if not CONTAINER_RE.match(name):
        raise CtlError(f"bad container name {name!r}: 3-63 characters, lowercase letters, digits "
                       "and single hyphens, starting and ending with a letter or digit")
    return name


def split_blob(path: str):
    container, sep, blob = path.strip("/").partition("/")
    if not sep or not blob:
        raise CtlError(f"want CONTAINER/BLOB, got {path!r}")
    return check_container(container), blob


def cmd_sas(acct, _args):
    print(acct.sas)


def cmd_url(acct, args):
    path = args.path.strip("/") if args.path else ""
    if path:
        check_container(path.split("/", 1)[0])
    print(acct.url(path))


def cmd_mkcontainer(acct, args):
    name = check_container(args.name)
    try:
        acct.request("PUT", name, "restype=container", what=f"mkcontainer {name}")
    except CtlError as err:
        if args.exist_ok and "ContainerAlreadyExists" in str(err):
            return
        raise


def cmd_rmcontainer(acct, args):
    name = check_container(args.name)
    try:
        acct.request("DELETE", name, "restype=container", what=f"rmcontainer {name}")
    except CtlError as err:
        if args.missing_ok and "ContainerNotFound" in str(err):
            return
        raise


def cmd_lease(acct, args):
    container, blob = split_blob(args.path)
    _, headers, _ = acct.request(
        "PUT", f"{container}/{blob}", "comp=lease",
        {"x-ms-lease-action": "acquire", "x-ms-lease-duration": "-1"}, what=f"lease {args.path}")
    print(headers.get("x-ms-lease-id", ""))


def cmd_break_lease(acct, args):
    container, blob = split_blob(args.path)
    acct.request("PUT", f"{container}/{blob}", "comp=lease",
                 {"x-ms-lease-action": "break", "x-ms-lease-break-period": "0"},
                 what=f"break-lease {args.path}")


def list_blobs(acct, container, prefix=""):
    """Yields (name, size) of every blob of a container, following the continuation markers."""
    marker = ""
    while True:
        query = "restype=container&comp=list&maxresults=5000"
        if prefix:
            query += "&prefix=" + urllib.parse.quote(prefix, safe="")
        if marker:
            query += "&marker=" + urllib.parse.quote(marker, safe="")
        _, _, body = acct.request("GET", container, query, what=f"list {container}")
        try:
            root = ET.fromstring(body)
        except ET.ParseError as err:
            raise CtlError(f"list {container}: unreadable answer ({err})") from None
        for blob in root.iter("Blob"):
            name = blob.findtext("Name", "")
            size = blob.findtext("Properties/Content-Length", "0")
            yield name, int(size or 0)
        marker = root.findtext("NextMarker", "") or ""
        if not marker:
            return


def cmd_list(acct, args):
    container = check_container(args.name)
    out = sys.stdout
    for name, size in list_blobs(acct, container, args.prefix or ""):
        out.write(f"{name}\t{size}\n")
    out.flush()


def cmd_get(acct, args):
    container, blob = split_blob(args.path)
    _, _, body = acct.request("GET", f"{container}/{blob}", what=f"get {args.path}")
    sys.stdout.buffer.write(body)
    sys.stdout.buffer.flush()


def cmd_put(acct, args):
    container, blob = split_blob(args.path)
    if args.file and args.file != "-":
        try:
            with open(args.file, "rb") as f:
                data = f.read()
        except OSError as err:
            raise CtlError(f"put {args.path}: cannot read {args.file}: {err.strerror}") from None
    else:
        data = sys.stdin.buffer.read()
    acct.request("PUT", f"{container}/{blob}", "",
                 {"x-ms-blob-type": "BlockBlob", "Content-Type": "application/octet-stream"},
                 body=data, what=f"put {args.path}")


def cmd_head(_acct, args):
    """HEAD of any URL with its SAS (a blob, or a file of the Files test server): prints the
    answer's headers, `name: value` with lower-case names, one a line."""
    req = urllib.request.Request(args.url, method="HEAD", headers={"x-ms-version": API_VERSION})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
            headers = resp.headers.items()
    except urllib.error.HTTPError as err:
        raise CtlError(f"head: HTTP {err.code} {err.headers.get('x-ms-error-code', '')}") from None
    except (urllib.error.URLError, OSError) as err:
        raise CtlError(f"head: cannot reach {urllib.parse.urlsplit(args.url).netloc}") from None
    for name, value in headers:
        print(f"{name.lower()}: {value}")


def cmd_rm(acct, args):
    container, blob = split_blob(args.path)
    acct.request("DELETE", f"{container}/{blob}", what=f"rm {args.path}")


def cmd_wait(acct, args):
    deadline = time.monotonic() + args.timeout
    while True:
        try:
            acct.request("GET", "", "comp=list", what="wait")
            return
        except CtlError as err:
            if "cannot reach" not in str(err):
                return  # it answers (an HTTP error is an answer)
            if time.monotonic() >= deadline:
                raise CtlError(f"the emulator did not answer within {args.timeout:g} s "
                               f"at {acct.endpoint}") from None
        time.sleep(0.2)


def main(argv=None) -> int:
    default_ep = f"http://127.0.0.1:{os.environ.get('AZURITE_PORT') or '10000'}/devstoreaccount1"
    ap = argparse.ArgumentParser(prog="azurite_ctl.py", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--endpoint", default=default_ep,
                    help=f"blob endpoint of the account (default: {default_ep})")
    sub = ap.add_subparsers(dest="cmd", metavar="SUBCOMMAND", required=True)

    sub.add_parser("sas", help="print an account SAS query string").set_defaults(fn=cmd_sas)
    p = sub.add_parser("url", help="print the URL of the account, a container or a blob with its SAS")
    p.add_argument("path", nargs="?", default="")
    p.set_defaults(fn=cmd_url)
    p = sub.add_parser("mkcontainer", help="create a container")
    p.add_argument("name")
    p.add_argument("--exist-ok", action="store_true")
    p.set_defaults(fn=cmd_mkcontainer)
    p = sub.add_parser("rmcontainer", help="delete a container")
    p.add_argument("name")
    p.add_argument("--missing-ok", action="store_true")
    p.set_defaults(fn=cmd_rmcontainer)
    p = sub.add_parser("lease", help="acquire an infinite lease on CONTAINER/BLOB")
    p.add_argument("path")
    p.set_defaults(fn=cmd_lease)
    p = sub.add_parser("break-lease", help="break the lease on CONTAINER/BLOB")
    p.add_argument("path")
    p.set_defaults(fn=cmd_break_lease)
    p = sub.add_parser("list", help="list a container's blobs: name<TAB>size")
    p.add_argument("name")
    p.add_argument("--prefix", default="")
    p.set_defaults(fn=cmd_list)
    p = sub.add_parser("get", help="print a blob's bytes")
    p.add_argument("path")
    p.set_defaults(fn=cmd_get)
    p = sub.add_parser("put", help="upload FILE (or stdin) to CONTAINER/BLOB")
    p.add_argument("path")
    p.add_argument("file", nargs="?", default="-")
    p.set_defaults(fn=cmd_put)
    p = sub.add_parser("head", help="print the headers of a HEAD of URL (with its SAS)")
    p.add_argument("url")
    p.set_defaults(fn=cmd_head)
    p = sub.add_parser("rm", help="delete a blob")
    p.add_argument("path")
    p.set_defaults(fn=cmd_rm)
    p = sub.add_parser("wait", help="wait until the emulator answers")
    p.add_argument("--timeout", type=float, default=30.0)
    p.set_defaults(fn=cmd_wait)

    args = ap.parse_args(argv)
    try:
        args.fn(Account(args.endpoint), args)
    except CtlError as err:
        print(f"azurite_ctl: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
