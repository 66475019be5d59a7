#!/usr/bin/env python3
"""SAS signing and checking for the Azure Files test server (Python 3 standard library only).

Signs account SAS, Files service SAS (share `sr=s` or file `sr=f`) and Blob service SAS
(container `sr=c`, checked by Azurite) tokens with an account key, and checks the first two
the way the Files test server does. The default key is the Azure Storage
emulator's well-known public dev key (published in the Azurite documentation; not a secret).

Usage (prints a query string without a leading '?'):
  sas.py account [--services bf] [--resource-types sco] [--permissions rwdlacup]
  sas.py share SHARE [--permissions rcwdl]
  sas.py file SHARE PATH [--permissions rcwd]
  sas.py container CONTAINER [--permissions racwdl]
Common options: --account NAME, --key BASE64, --version SV, --protocol https,http,
  --expiry-minutes N (se = now + N, default 1440; negative gives an expired SAS),
  --start-minutes N (st = now + N, e.g. -5; absent: no st).
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import ipaddress
import re
import sys
import urllib.parse

EMULATOR_ACCOUNT = "devstoreaccount1"
EMULATOR_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
DEFAULT_VERSION = "2021-08-06"
SAS_KEYS = ("sv", "ss", "srt", "sr", "sp", "st", "se", "sip", "spr", "si", "ses", "sig",
            "rscc", "rscd", "rsce", "rscl", "rsct")
# Permissions each signed resource accepts (any other letter makes the SAS invalid).
ACCOUNT_PERMISSIONS = set("rwdlacuptfxiy")
SERVICE_PERMISSIONS = {"s": set("rcwdl"), "f": set("rcwd")}


class SasError(Exception):
    """A refused SAS: `code` is the x-ms-error-code (all are HTTP 403)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def format_time(value) -> str:
    """A datetime (or a string, kept as is) in the SAS form YYYY-MM-DDTHH:MM:SSZ."""
    if value is None or isinstance(value, str):
        return value or ""
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_TIME = re.compile(r"(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?Z?)?")


def parse_time(text: str) -> datetime.datetime:
    """Parses the ISO 8601 UTC forms a SAS may carry; raises ValueError."""
    m = _TIME.fullmatch(text.strip())
    if not m:
        raise ValueError(f"bad SAS time {text!r}")
    year, month, day, hour, minute, second = (int(g or 0) for g in m.groups()[:6])
    micro = int((m.group(7) or "0")[:6].ljust(6, "0"))
    return datetime.datetime(year, month, day, hour, minute, second, micro, datetime.timezone.utc)


def sign(key: str, string_to_sign: str) -> str:
    """Base64 HMAC-SHA256 of STRING_TO_SIGN with the base64 account KEY."""
    digest = hmac.new(base64.b64decode(key), string_to_sign.encode("utf-8"), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def account_string_to_sign(account: str, p: dict) -> str:
    """Account SAS string-to-sign; `ses` is a field from version 2020-12-06 on."""
    fields = [account] + [p.get(k, "") for k in ("sp", "ss", "srt", "st", "se", "sip", "spr", "sv")]
    if p.get("sv", "") >= "2020-12-06":
        fields.append(p.get("ses", ""))
    return "\n".join(fields) + "\n"


def canonical_resource(account: str, share: str, path: str = "") -> str:
    return f"/file/{account}/{share}" + (f"/{path}" if path else "")


def service_string_to_sign(resource: str, p: dict) -> str:
    """Files service SAS string-to-sign (version 2015-04-05 and later)."""
    return "\n".join([p.get("sp", ""), p.get("st", ""), p.get("se", ""), resource] +
                     [p.get(k, "") for k in ("si", "sip", "spr", "sv", "rscc", "rscd", "rsce",
                                             "rscl", "rsct")])


def _query(params: dict) -> str:
    return urllib.parse.urlencode({k: v for k, v in params.items() if v},
                                  quote_via=urllib.parse.quote)


def account_sas(account: str = EMULATOR_ACCOUNT, key: str = EMULATOR_KEY, services: str = "bf",
                resource_types: str = "sco", permissions: str = "rwdlacup", start=None,
                expiry=None, version: str = DEFAULT_VERSION, protocol: str = "https,http",
                ip: str = "") -> str:
    """An account SAS query string (no leading '?'); expiry defaults to one day from now."""
    expiry = expiry if expiry is not None else utcnow() + datetime.timedelta(days=1)
    p = {"sv": version, "ss": services, "srt": resource_types, "sp": permissions,
         "st": format_time(start), "se": format_time(expiry), "sip": ip, "spr": protocol}
    p["sig"] = sign(key, account_string_to_sign(account, p))
    return _query(p)


def file_service_sas(account: str = EMULATOR_ACCOUNT, key: str = EMULATOR_KEY, share: str = "",
                     path: str = "", resource: str = "", permissions: str = "", start=None,
                     expiry=None, version: str = DEFAULT_VERSION, protocol: str = "https,http",
                     ip: str = "") -> str:
    """A Files service SAS for SHARE (resource "s") or the file SHARE/PATH (resource "f")."""
    resource = resource or ("f" if path else "s")
    if resource not in ("s", "f") or not share or (resource == "f") != bool(path):
        raise ValueError("want a share (resource 's') or a share and a file path (resource 'f')")
    permissions = permissions or ("rcwdl" if resource == "s" else "rcwd")
    expiry = expiry if expiry is not None else utcnow() + datetime.timedelta(days=1)
    p = {"sv": version, "sr": resource, "sp": permissions, "st": format_time(start),
         "se": format_time(expiry), "sip": ip, "spr": protocol}
    cres = canonical_resource(account, share, path.strip("/") if resource == "f" else "")
    p["sig"] = sign(key, service_string_to_sign(cres, p))
    return _query(p)


def blob_container_sas(account: str = EMULATOR_ACCOUNT, key: str = EMULATOR_KEY,
                       container: str = "", permissions: str = "racwdl", start=None, expiry=None,
                       version: str = DEFAULT_VERSION, protocol: str = "https,http",
                       ip: str = "") -> str:
    """A Blob service SAS for CONTAINER (`sr=c`), in the string-to-sign of version 2020-12-06
    and later (signed resource, snapshot time and encryption scope included)."""
    if not container:
        raise ValueError("want a container")
    if version < "2020-12-06":
        raise ValueError("container SAS are signed here for sv 2020-12-06 and later only")
    expiry = expiry if expiry is not None else utcnow() + datetime.timedelta(days=1)
    p = {"sv": version, "sr": "c", "sp": permissions, "st": format_time(start),
         "se": format_time(expiry), "sip": ip, "spr": protocol}
    string_to_sign = "\n".join(
        [p["sp"], p["st"], p["se"], f"/blob/{account}/{container}", "", p["sip"], p["spr"],
         p["sv"], "c", "", "", "", "", "", "", ""])
    p["sig"] = sign(key, string_to_sign)
    return _query(p)


def _check_signature(expected: str, given: str):
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise SasError("AuthenticationFailed", "Signature did not match.")


def check_signature(p: dict, account: str, key: str, share, path: str) -> str:
    """Checks the signature and the validity window; returns "account" or "service".

    P holds the decoded query parameters, SHARE/PATH the decoded request path (PATH "" for a share).
    """
    if not p.get("sig"):
        raise SasError("AuthenticationFailed", "No SAS in the request (Shared Key is not served).")
    if not p.get("sv"):
        raise SasError("AuthenticationFailed", "The SAS has no sv (signed version).")
    if "ss" in p or "srt" in p:
        kind = "account"
        _check_signature(sign(key, account_string_to_sign(account, p)), p["sig"])
    elif p.get("sr") in ("s", "f") and share:
        kind = "service"
        if p.get("si"):
            raise SasError("AuthenticationFailed", "Stored access policies are not served.")
        cres = canonical_resource(account, share, path if p["sr"] == "f" else "")
        _check_signature(sign(key, service_string_to_sign(cres, p)), p["sig"])
    else:
        raise SasError("AuthenticationFailed", "Not an account SAS nor a Files service SAS.")
    _check_window(p)
    return kind


def _check_window(p: dict, now=None):
    now = now or utcnow()
    try:
        expiry = parse_time(p["se"]) if p.get("se") else None
        start = parse_time(p["st"]) if p.get("st") else None
    except ValueError as e:
        raise SasError("AuthenticationFailed", str(e)) from None
    if expiry is None:
        raise SasError("AuthenticationFailed", "The SAS has no se (expiry).")
    if now > expiry:
        raise SasError("AuthenticationFailed", "The SAS has expired.")
    if start is not None and now < start:
        raise SasError("AuthenticationFailed", "The SAS is not valid yet (st is in the future).")


def _check_network(p: dict, client_ip: str):
    protocols = [x.strip() for x in p.get("spr", "https,http").split(",")]
    if "http" not in protocols:
        raise SasError("AuthorizationProtocolMismatch", "The SAS does not allow plain http.")
    if p.get("sip") and client_ip:
        low, _, high = p["sip"].partition("-")
        try:
            ip = ipaddress.ip_address(client_ip)
            if not ipaddress.ip_address(low) <= ip <= ipaddress.ip_address(high or low):
                raise SasError("AuthorizationSourceIPMismatch", f"{client_ip} is outside sip.")
        except ValueError:
            raise SasError("AuthenticationFailed", "Bad sip in the SAS.") from None


def authorize(p: dict, account: str, key: str, share, path: str, level: str, permissions: str,
              service_resources: str, client_ip: str = "") -> str:
    """Checks a request's SAS for one operation; returns the SAS kind or raises SasError.

    LEVEL is the account SAS resource type the operation needs ("s", "c" or "o"), PERMISSIONS
    the letters any one of which grants it, SERVICE_RESOURCES the `sr` values a service SAS may
    have for it ("" when a service SAS cannot grant it).
    """
    kind = check_signature(p, account, key, share, path)
    _check_network(p, client_ip)
    sp = p.get("sp", "")
    if kind == "account":
        if set(sp) - ACCOUNT_PERMISSIONS:
            raise SasError("AuthenticationFailed", f"Bad sp {sp!r}.")
        if "f" not in p.get("ss", ""):
            raise SasError("AuthorizationServiceMismatch", "The SAS does not cover the File service.")
        if level not in p.get("srt", ""):
            raise SasError("AuthorizationResourceTypeMismatch",
                           f"The SAS resource types lack {level!r}.")
    else:
        if set(sp) - SERVICE_PERMISSIONS[p["sr"]]:
            raise SasError("AuthenticationFailed", f"Bad sp {sp!r} for sr={p['sr']}.")
        if p["sr"] not in service_resources:
            raise SasError("AuthorizationResourceTypeMismatch",
                           f"A service SAS with sr={p['sr']} does not grant this operation.")
    if not set(permissions) & set(sp):
        raise SasError("AuthorizationPermissionMismatch",
                       f"The SAS lacks a permission among {permissions!r}.")
    return kind


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=("account", "share", "file", "container"))
    parser.add_argument("target", nargs="*",
                        help="SHARE, SHARE PATH for 'file', CONTAINER for 'container'")
    parser.add_argument("--account", default=EMULATOR_ACCOUNT)
    parser.add_argument("--key", default=EMULATOR_KEY)
    parser.add_argument("--services", default="bf")
    parser.add_argument("--resource-types", default="sco")
    parser.add_argument("--permissions")
    parser.add_argument("--version", default=DEFAULT_VERSION)
    parser.add_argument("--protocol", default="https,http")
    parser.add_argument("--expiry-minutes", type=float, default=1440)
    parser.add_argument("--start-minutes", type=float)
    args = parser.parse_args(argv)
    want = {"account": 0, "share": 1, "file": 2, "container": 1}[args.kind]
    if len(args.target) != want:
        parser.error(f"'{args.kind}' takes {want} positional argument(s)")
    now = utcnow()
    common = dict(account=args.account, key=args.key, version=args.version,
                  protocol=args.protocol, expiry=now + datetime.timedelta(minutes=args.expiry_minutes),
                  start=None if args.start_minutes is None
                  else now + datetime.timedelta(minutes=args.start_minutes))
    if args.kind == "container":
        print(blob_container_sas(container=args.target[0],
                                 permissions=args.permissions or "racwdl", **common))
    elif args.kind == "account":
        print(account_sas(services=args.services, resource_types=args.resource_types,
                          permissions=args.permissions or "rwdlacup", **common))
    else:
        print(file_service_sas(share=args.target[0], path=args.target[1] if want == 2 else "",
                               permissions=args.permissions or "", **common))
    return 0


if __name__ == "__main__":
    sys.exit(main())
