#!/usr/bin/env python3
"""Runs real AzCopy against local storage and keeps what it prints, as test fixtures.

Each case leaves OUT/<case>.stdout and OUT/<case>.stderr, and an entry in OUT/manifest.json:
the command line (signatures replaced by REDACTED), the exit code, the job id the copy printed,
a note, and for a job that exists, `expect`: the figures `azcopy jobs show` gives for it
afterwards. Those figures are the ground truth of the parser tests.

Usage:
  record-azcopy-fixtures.py basic AZCOPY OUT --blob-endpoint URL [--data-dir D] [--work-dir W]
      LocalBlob and BlobLocal copies that complete, skip, fail, are cancelled or killed, and
      `jobs show`, `jobs list` and `jobs resume` of them, against Azurite alone (the endpoint
      is Azurite's, not the from-URL proxy's). Writes a new manifest. The committed fixtures
      were recorded with the defaults /app/data and /app/.azcopy, which their outputs name.
  record-azcopy-fixtures.py production AZCOPY OUT --blob-endpoint URL --file-endpoint URL
                            --files-dir DIR [--work-dir W]
      COOL (FileBlob) and RESTORE (BlobFile) against `scripts/storage.sh start` (the from-URL
      proxy, the Files test server and its shares on disk in DIR). Adds its cases to OUT's
      manifest and leaves the cases already there as they are.
  record-azcopy-fixtures.py compare NEW OLD
      Says whether the folder NEW holds the same cases as OLD: the same names, exit codes,
      commands (endpoints and expiry aside), job statuses and figures (figures of the cases
      stopped at a moment, cancelled or killed, aside), and the same kinds of JSON message.
      Exits 1 on a difference.

The SAS tokens are account SAS signed with the emulator's public development key
(emulators/files/sas.py). No signature is left in what is written: AzCopy redacts its own echo,
the recorder replaces the rest and then checks that no `sig=` other than a redacted one is left.
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "emulators", "files"))
import sas  # noqa: E402 - the emulators' signing module, found through the path above

JOB_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
FIGURES = ("JobStatus", "TotalTransfers", "TransfersCompleted", "TransfersFailed",
           "TransfersSkipped", "TotalBytesTransferred", "TotalBytesExpected")
UNKNOWN_JOB = "7b0a9c2e-1111-4222-8333-444455556666"
# Cases whose figures depend on the moment AzCopy was stopped (by a signal, or by itself at the
# first refusal): only their status is compared.
STOPPED_AT_A_MOMENT = ("_cancelled", "_killed", "_denied")
# A signature left in clear: `sig=` followed by anything but REDACTED (10.18 writes -REDACTED-).
CLEAR_SIGNATURE = re.compile(r"sig=(?!-?REDACTED)")


def redacted(text: str) -> str:
    return re.sub(r"sig=[^&\s\"']+", "sig=REDACTED", text)


def storage_call(method: str, url: str, headers: dict = None) -> int:
    """One REST call without a body; returns the HTTP status."""
    all_headers = {"x-ms-version": "2019-12-12", "Content-Length": "0"}
    all_headers.update(headers or {})
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method, headers=all_headers)) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def create_container(url: str):
    base, query = url.split("?", 1)
    status = storage_call("PUT", f"{base}?restype=container&{query}")
    if status != 201:
        sys.exit(f"creating container {base}: HTTP {status}")


def lease_blob(url: str):
    """An infinite lease: overwriting the blob then fails with 412."""
    base, query = url.split("?", 1)
    status = storage_call("PUT", f"{base}?comp=lease&{query}",
                          {"x-ms-lease-action": "acquire", "x-ms-lease-duration": "-1"})
    if status != 201:
        sys.exit(f"leasing {base}: HTTP {status}")


class Recording:
    """The output folder of one recording: runs AzCopy into it and keeps the manifest."""

    def __init__(self, azcopy: str, out: str, work_dir: str, cwd: str, keep_manifest: bool):
        self.azcopy, self.out, self.cwd = azcopy, out, cwd
        self.env = dict(os.environ, AZCOPY_LOG_LOCATION=work_dir, AZCOPY_JOB_PLAN_LOCATION=work_dir)
        self.tag = uuid.uuid4().hex[:8]  # names of this run's containers and shares; written as "run"
        self.tokens = []                 # the SAS tokens handed to AzCopy, to scrub
        self.written = []                # the cases of this run
        os.makedirs(out, exist_ok=True)
        self.version = subprocess.run([azcopy, "--version"], capture_output=True, text=True,
                                      env=self.env, check=True).stdout.strip()
        path = self.manifest_path()
        if keep_manifest and os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                self.manifest = json.load(f)
            if self.manifest["azcopy_version"] != self.version:
                sys.exit(f"{path} is of {self.manifest['azcopy_version']}, not {self.version}")
        else:
            self.manifest = {"azcopy_version": self.version, "cases": {}}

    def manifest_path(self) -> str:
        return os.path.join(self.out, "manifest.json")

    def token(self, **kwargs) -> str:
        token = sas.account_sas(**kwargs)
        self.tokens.append(token)
        return token

    def start(self, case: str, args: list) -> subprocess.Popen:
        # stdin stays an open pipe: at end of input AzCopy would spin a core reading it.
        with open(self.path(case, "stdout"), "wb") as out, open(self.path(case, "stderr"), "wb") as err:
            return subprocess.Popen([self.azcopy] + args, stdin=subprocess.PIPE, stdout=out,
                                    stderr=err, env=self.env, cwd=self.cwd)

    def finish(self, case: str, args: list, process: subprocess.Popen, note: str = "") -> dict:
        code = process.wait(timeout=600)
        process.stdin.close()
        with open(self.path(case, "stdout"), "rb") as f:
            found = JOB_ID.search(f.read().decode("utf-8", "replace"))
        entry = {"command": ["azcopy"] + [redacted(a) for a in args], "exit_code": code,
                 "note": note, "job_id": found.group(0) if found and args[0] == "copy" else None}
        self.manifest["cases"][case] = entry
        self.written.append(case)
        print(f"{case}: exit {code}, job {entry['job_id']}", file=sys.stderr)
        return entry

    def run(self, case: str, args: list, note: str = "", interrupt_after: float = None) -> dict:
        process = self.start(case, args)
        if interrupt_after is not None:
            time.sleep(interrupt_after)
            process.send_signal(signal.SIGINT)
        return self.finish(case, args, process, note)

    def figures(self, job: str):
        """What `azcopy jobs show` says of JOB now, or None when AzCopy knows no such job."""
        shown = subprocess.run([self.azcopy, "jobs", "show", job, "--output-type=json"],
                               capture_output=True, text=True, env=self.env)
        try:
            message = json.loads(json.loads(shown.stdout.splitlines()[0])["MessageContent"])
            return {k: message.get(k) for k in FIGURES}
        except (IndexError, KeyError, TypeError, ValueError):
            return None

    def expect(self, case: str, job: str):
        self.manifest["cases"][case]["expect"] = self.figures(job)

    def path(self, case: str, stream: str) -> str:
        return os.path.join(self.out, f"{case}.{stream}")

    def save(self):
        """Scrubs this run's signatures and tag from its files, checks, writes the manifest."""
        signatures = [dict(urllib.parse.parse_qsl(t))["sig"] for t in self.tokens]
        forms = {form.encode() for s in signatures
                 for form in (s, urllib.parse.quote(s, safe=""), urllib.parse.quote_plus(s))}
        for case in self.written:
            for stream in ("stdout", "stderr"):
                with open(self.path(case, stream), "rb") as f:
                    data = f.read()
                for form in forms:
                    data = data.replace(form, b"REDACTED")
                data = data.replace(self.tag.encode(), b"run")
                if CLEAR_SIGNATURE.search(data.decode("utf-8", "replace")):
                    sys.exit(f"a signature is left in {self.path(case, stream)}")
                with open(self.path(case, stream), "wb") as f:
                    f.write(data)
        text = json.dumps(self.manifest, indent=2).replace(self.tag, "run")
        if CLEAR_SIGNATURE.search(text):
            sys.exit("a signature is left in the manifest")
        with open(self.manifest_path(), "w", encoding="utf-8") as f:
            f.write(text)


def fresh_dir(path: str):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)


def write_bytes(path: str, data: bytes):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def write_random(path: str, size: int, rnd: random.Random):
    write_bytes(path, rnd.randbytes(size))


def record_basic(a):
    data, work = os.path.abspath(a.data_dir), os.path.abspath(a.work_dir)
    fresh_dir(data)
    fresh_dir(work)
    rnd = random.Random(7)
    for name, size in (("f1.bin", 100_000), ("f2.bin", 200_000), ("f3.bin", 300_000)):
        write_random(f"{data}/src/{name}", size, rnd)
    write_bytes(f"{data}/src/sub/a.txt", b"hi\n")
    for i in range(60):
        write_random(f"{data}/big/b{i:02d}.bin", 1_000_000, rnd)

    rec = Recording(os.path.abspath(a.azcopy), os.path.abspath(a.out), work, data, keep_manifest=False)
    token = rec.token(services="b", version="2019-12-12")
    endpoint = a.blob_endpoint.rstrip("/")

    def container(name: str, path: str = "") -> str:
        return f"{endpoint}/{name}-{rec.tag}{'/' + path if path else ''}?{token}"

    for name in ("dest", "slow", "killed"):
        create_container(container(name))
    upload = ["--recursive=true", "--from-to=LocalBlob"]
    jobs = {}  # "<case>_<fmt>" -> manifest entry, in the order they ran
    for fmt in ("json", "text"):
        output = f"--output-type={fmt}"
        into = container("dest", fmt)

        def copy(case, args, note="", interrupt_after=None, fmt=fmt, output=output):
            entry = rec.run(f"copy_{fmt}_{case}", ["copy"] + args + [output], note, interrupt_after)
            jobs[f"{case}_{fmt}"] = entry

        copy("completed", ["src", into] + upload)
        copy("skipped", ["src", into] + upload + ["--overwrite=false"])
        lease_blob(container("dest", f"{fmt}/src/f2.bin"))
        copy("errors", ["src", into] + upload + ["--overwrite=true"])
        later = time.time() + 5
        for name in ("f2.bin", "f3.bin"):
            os.utime(f"{data}/src/{name}", (later, later))
        copy("errors_and_skipped", ["src", into] + upload + ["--overwrite=ifSourceNewer"])
        copy("failed", ["src", f"{endpoint}/nosuchcontainer-{rec.tag}?{token}"] + upload)
        rec.run(f"copy_{fmt}_scan_error", ["copy", f"{data}/missing", container("dest")] + upload + [output],
                "JobID is printed, then the scan fails: no job plan is left, so jobs show finds no such job")
        copy("download", [container("dest", f"{fmt}/src"), f"{data}/download-{fmt}", "--recursive=true",
                          "--from-to=BlobLocal"])
        copy("cancelled", ["big", container("slow", fmt)] + upload + ["--cap-mbps=8"],
             "SIGINT 4 s after start", interrupt_after=4)
        rec.run(f"copy_{fmt}_bad_flag", ["copy", "src", container("dest")] + upload + ["--overwrite=sometimes", output])
        rec.run(f"copy_{fmt}_no_from_to", ["copy", "src", container("dest"), "--recursive=true", output],
                "the emulator's URL is not recognised as blob: --from-to is required")

    # A job seen while it runs, then killed with no chance to write its end.
    killed_args = ["copy", "big", container("killed")] + upload + ["--cap-mbps=8", "--output-type=json"]
    process = rec.start("copy_json_killed", killed_args)
    time.sleep(5)
    with open(rec.path("copy_json_killed", "stdout"), encoding="utf-8", errors="replace") as f:
        killed = JOB_ID.search(f.read()).group(0)
    for fmt in ("json", "text"):
        rec.run(f"jobs_show_{fmt}_inprogress", ["jobs", "show", killed, f"--output-type={fmt}"],
                "while the copy process is alive")
    process.kill()
    rec.finish("copy_json_killed", killed_args, process, "SIGKILL 5 s after start")
    rec.manifest["cases"]["copy_json_killed"]["command"][3] = "<slow container>"
    for fmt in ("json", "text"):
        rec.run(f"jobs_show_{fmt}_killed", ["jobs", "show", killed, f"--output-type={fmt}"],
                "after SIGKILL: the plan still says InProgress")
    rec.expect("copy_json_killed", killed)

    for key, entry in jobs.items():
        case, fmt = key.rsplit("_", 1)
        entry["expect"] = rec.figures(entry["job_id"]) if entry["job_id"] else None
        if entry["job_id"]:
            for shown in ("json", "text"):
                rec.run(f"jobs_show_{shown}_{case}_from_{fmt}",
                        ["jobs", "show", entry["job_id"], f"--output-type={shown}"])
    rec.run("jobs_show_json_failed_with_status_failed",
            ["jobs", "show", jobs["failed_json"]["job_id"], "--with-status=Failed", "--output-type=json"])
    for fmt in ("json", "text"):
        rec.run(f"jobs_show_{fmt}_notfound", ["jobs", "show", UNKNOWN_JOB, f"--output-type={fmt}"])
        rec.run(f"jobs_show_{fmt}_invalid_id", ["jobs", "show", "not-a-uuid", f"--output-type={fmt}"])
        rec.run(f"jobs_list_{fmt}", ["jobs", "list", f"--output-type={fmt}"])
    # The killed job resumed to its end with a fresh token.
    rec.run("jobs_resume_text_killed", ["jobs", "resume", killed, f"--destination-sas={token}", "--output-type=text"])
    rec.run("jobs_show_json_resumed", ["jobs", "show", killed, "--output-type=json"])
    rec.expect("jobs_resume_text_killed", killed)
    rec.save()


# The project on the share that COOL moves: nested folders, a name with a space, a non-ASCII
# name, an empty file and an empty folder (relative path -> size).
PROJECT = {"readme.txt": 1200, "docs/guide.md": 3000, "docs/with space.txt": 700,
           "docs/deep/nested/data.bin": 4096, "données/résumé.txt": 900, "empty.bin": 0}


def record_production(a):
    work = os.path.abspath(a.work_dir)
    fresh_dir(work)
    rec = Recording(os.path.abspath(a.azcopy), os.path.abspath(a.out), work, work, keep_manifest=True)
    token = rec.token(services="bf", version="2021-08-06")
    read_only = rec.token(services="bf", version="2021-08-06", permissions="rl")
    blob, files = a.blob_endpoint.rstrip("/"), a.file_endpoint.rstrip("/")
    share = container = f"cool-{rec.tag}"
    rnd = random.Random(11)
    for rel, size in PROJECT.items():
        write_random(os.path.join(a.files_dir, share, "proj", rel), size, rnd)
    os.makedirs(os.path.join(a.files_dir, share, "proj", "emptydir"))
    for fmt in ("json", "text"):
        os.makedirs(os.path.join(a.files_dir, f"restore-{fmt}-{rec.tag}"))
    create_container(f"{blob}/{container}?{token}")
    flags = ["--recursive=true", "--log-level=INFO", "--skip-version-check"]
    source = f"{files}/{share}/proj/*?{token}"

    def copy(case, src, dst, options, note, shows):
        fmt = case.split("_")[1]
        entry = rec.run(case, ["copy", src, dst] + flags + options + [f"--output-type={fmt}"], note)
        rec.expect(case, entry["job_id"])
        for shown in shows:
            rec.run(f"jobs_show_{shown}_{case.split('_', 2)[2]}_from_{fmt}",
                    ["jobs", "show", entry["job_id"], f"--output-type={shown}"])

    cool = ["--overwrite=true", "--from-to=FileBlob"]
    restore = ["--overwrite=ifSourceNewer", "--from-to=BlobFile"]
    for fmt, shows in (("json", ("json", "text")), ("text", ())):
        copy(f"copy_{fmt}_fileblob_completed", source, f"{blob}/{container}/{fmt}/proj?{token}", cool,
             "COOL: 6 files (one of 0 bytes, names with a space and non-ASCII) and an empty folder, "
             "which Blob cannot hold", shows)
    for fmt, shows in (("json", ("json",)), ("text", ())):
        copy(f"copy_{fmt}_blobfile_completed", f"{blob}/{container}/{fmt}/proj?{token}",
             f"{files}/restore-{fmt}-{rec.tag}?{token}", restore, "RESTORE into an empty share", shows)
    time.sleep(1)  # the restored files are then strictly newer than their blobs
    copy("copy_json_blobfile_skipped", f"{blob}/{container}/json/proj?{token}",
         f"{files}/restore-json-{rec.tag}?{token}", restore,
         "RESTORE again with ifSourceNewer: every file skipped", ("json",))
    lease_blob(f"{blob}/{container}/json/proj/docs/guide.md?{token}")
    copy("copy_json_fileblob_errors", source, f"{blob}/{container}/json/proj?{token}", cool,
         "COOL again over copy_json_fileblob_completed; docs/guide.md's blob is leased, so its "
         "overwrite fails", ("json",))
    copy("copy_json_fileblob_denied", source, f"{blob}/{container}/denied/proj?{read_only}", cool,
         "COOL with a destination SAS of sp=rl: the first 403 makes AzCopy cancel the job", ("json",))
    rec.save()


def normalised_command(command: list) -> list:
    """A command with its endpoints' ports, its tokens' expiry and its job ids taken out."""
    def general(part: str) -> str:
        part = re.sub(r"^http://127\.0\.0\.1:\d+/", "http://endpoint/", part)
        return JOB_ID.sub("<job>", re.sub(r"se=[^&]+", "se=_", part))
    return [general(part) for part in command]


def message_kinds(path: str) -> set:
    """The MessageType values of a JSON-lines output (empty for text output)."""
    kinds = set()
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                kinds.add(json.loads(line)["MessageType"])
            except (ValueError, KeyError, TypeError):
                pass
    return kinds


def compare(a) -> int:
    def load(folder):
        with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as f:
            return json.load(f)["cases"]

    new, old = load(a.new), load(a.old)
    differences = [f"only in {a.new}: {c}" for c in sorted(set(new) - set(old))]
    differences += [f"only in {a.old}: {c}" for c in sorted(set(old) - set(new))]
    for case in sorted(set(new) & set(old)):
        n, o = new[case], old[case]
        if n["exit_code"] != o["exit_code"]:
            differences.append(f"{case}: exit code {n['exit_code']} (was {o['exit_code']})")
        if normalised_command(n["command"]) != normalised_command(o["command"]):
            differences.append(f"{case}: command {n['command']} (was {o['command']})")
        if (n["job_id"] is None) != (o["job_id"] is None):
            differences.append(f"{case}: job id {n['job_id']} (was {o['job_id']})")
        ne, oe = n.get("expect"), o.get("expect")
        if case.endswith(STOPPED_AT_A_MOMENT) and ne and oe:
            ne, oe = ne["JobStatus"], oe["JobStatus"]
        if ne != oe:
            differences.append(f"{case}: jobs show gave {ne} (was {oe})")
        kinds = [message_kinds(os.path.join(d, f"{case}.stdout")) for d in (a.new, a.old)]
        if kinds[0] != kinds[1]:
            differences.append(f"{case}: message types {sorted(kinds[0])} (was {sorted(kinds[1])})")
    for line in differences:
        print(line)
    print(f"{len(set(new) & set(old))} cases in both, {len(differences)} differences")
    return 1 if differences else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    basic = sub.add_parser("basic", help="LocalBlob/BlobLocal cases against Azurite alone")
    production = sub.add_parser("production", help="COOL and RESTORE against the local storage")
    for p in (basic, production):
        p.add_argument("azcopy", help="the AzCopy binary")
        p.add_argument("out", help="the fixtures folder of that AzCopy version")
        p.add_argument("--blob-endpoint", required=True, help="e.g. http://127.0.0.1:10000/devstoreaccount1")
    basic.add_argument("--data-dir", default="/app/data", help="the local files copied (made anew)")
    basic.add_argument("--work-dir", default="/app/.azcopy", help="AzCopy's logs and plans (made anew)")
    production.add_argument("--file-endpoint", required=True, help="the Files test server")
    production.add_argument("--files-dir", required=True, help="its shares on disk, one folder a share")
    production.add_argument("--work-dir", required=True, help="AzCopy's logs and plans (made anew)")
    check = sub.add_parser("compare", help="whether two fixture folders hold the same cases")
    check.add_argument("new")
    check.add_argument("old")
    a = parser.parse_args()
    if a.command == "compare":
        return compare(a)
    (record_basic if a.command == "basic" else record_production)(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
