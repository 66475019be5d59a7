#!/usr/bin/env python3
"""Record real AzCopy outputs against a local Azurite blob emulator, as golden fixtures.

Usage: record-azcopy-fixtures.py AZCOPY_BINARY OUT_DIR [--blob-endpoint http://127.0.0.1:10000/devstoreaccount1]
       record-azcopy-fixtures.py AZCOPY_BINARY OUT_DIR --production --blob-endpoint URL
                                 --file-endpoint URL --files-dir DIR [--work-dir DIR]

Needs a running Azurite blob service (devstoreaccount1, the emulator's well-known public key).
Every case writes OUT_DIR/<case>.stdout, <case>.stderr and a manifest.json entry with the
command (SAS redacted), exit code, job id and the expected figures read from the job itself.

--production records only the production path (COOL = --from-to FileBlob, RESTORE = BlobFile)
against `scripts/storage.sh start` (Blob endpoint = the from-URL proxy, the Azure Files test
server, its shares on disk in --files-dir) and ADDS those cases to OUT_DIR/manifest.json: the
existing cases and their files are left as they are.
"""
import argparse, base64, datetime, hashlib, hmac, json, os, random, re, shutil, signal
import subprocess, sys, time, urllib.parse, urllib.request, uuid

KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
ACCOUNT = "devstoreaccount1"
WORK = "/app/.azcopy"          # the default work dir of the target deployment
DATA = "/app/data"


def account_sas(ss="b", sv="2019-12-12", sp="rwdlacup") -> str:
    srt, spr = "sco", "https,http"
    se = (datetime.datetime.utcnow() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    fields = [ACCOUNT, sp, ss, srt, "", se, "", spr, sv]
    if sv >= "2020-12-06":
        fields.append("")  # ses: a string-to-sign field from 2020-12-06 on (emulators/files/sas.py)
    sts = "\n".join(fields + [""])
    sig = base64.b64encode(hmac.new(base64.b64decode(KEY), sts.encode(), hashlib.sha256).digest()).decode()
    return urllib.parse.urlencode({"sv": sv, "ss": ss, "srt": srt, "sp": sp, "se": se, "spr": spr, "sig": sig})


def rest(method, url, headers=None):
    req = urllib.request.Request(url, method=method, headers={"x-ms-version": "2019-12-12", "Content-Length": "0", **(headers or {})})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def redact(s: str) -> str:
    return re.sub(r"sig=[^&\s\"']+", "sig=REDACTED", s)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("azcopy")
    ap.add_argument("out")
    ap.add_argument("--blob-endpoint", default=f"http://127.0.0.1:10000/{ACCOUNT}")
    ap.add_argument("--production", action="store_true", help="record only the FileBlob/BlobFile cases, added to the manifest")
    ap.add_argument("--file-endpoint", help="the Azure Files endpoint (with --production)")
    ap.add_argument("--files-dir", help="the Files server's shares on disk, one folder a share (with --production)")
    ap.add_argument("--work-dir", default=WORK, help="AzCopy's log and plan folder (with --production)")
    a = ap.parse_args()
    if a.production:
        if not a.file_endpoint or not a.files_dir:
            ap.error("--production needs --file-endpoint and --files-dir")
        return record_production(a)
    az, out, ep = os.path.abspath(a.azcopy), os.path.abspath(a.out), a.blob_endpoint
    os.makedirs(out, exist_ok=True)
    shutil.rmtree(WORK, ignore_errors=True); shutil.rmtree(DATA, ignore_errors=True)
    os.makedirs(WORK); os.makedirs(f"{DATA}/src/sub"); os.makedirs(f"{DATA}/big")
    rnd = random.Random(7)
    for name, size in [("f1.bin", 100000), ("f2.bin", 200000), ("f3.bin", 300000)]:
        open(f"{DATA}/src/{name}", "wb").write(rnd.randbytes(size))
    open(f"{DATA}/src/sub/a.txt", "w").write("hi\n")
    for i in range(60):
        open(f"{DATA}/big/b{i:02d}.bin", "wb").write(rnd.randbytes(1_000_000))
    sas = account_sas()
    run_id = uuid.uuid4().hex[:8]
    c = lambda name: f"{ep}/{name}-{run_id}"
    for cont in ["dest", "slow", "killed"]:
        assert rest("PUT", f"{c(cont)}?restype=container&{sas}") == 201, cont
    env = dict(os.environ, AZCOPY_LOG_LOCATION=WORK, AZCOPY_JOB_PLAN_LOCATION=WORK)
    version = subprocess.run([az, "--version"], capture_output=True, text=True, env=env).stdout.strip()
    manifest = {"azcopy_version": version, "cases": {}}

    def record(case, args, *, interrupt_after=None, sig=signal.SIGINT, note=""):
        cmd = [az] + args
        with open(f"{out}/{case}.stdout", "wb") as so, open(f"{out}/{case}.stderr", "wb") as se:
            p = subprocess.Popen(cmd, stdout=so, stderr=se, stdin=subprocess.PIPE, env=env, cwd=DATA)  # an open stdin: at EOF azcopy spins a core
            if interrupt_after is not None:
                time.sleep(interrupt_after)
                p.send_signal(sig)
            rc = p.wait(timeout=600)
            p.stdin.close()
        text = open(f"{out}/{case}.stdout", "rb").read().decode(errors="replace")
        m = re.search(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})", text)
        entry = {"command": ["azcopy"] + [redact(x) for x in args], "exit_code": rc, "note": note,
                 "job_id": m.group(1) if m and args[0] == "copy" else None}
        manifest["cases"][case] = entry
        print(f"{case}: rc={rc} job={entry['job_id']}", file=sys.stderr)
        return entry

    def show_expect(job):
        r = subprocess.run([az, "jobs", "show", job, "--output-type=json"], capture_output=True, text=True, env=env)
        line = r.stdout.splitlines()[0]
        m = json.loads(json.loads(line)["MessageContent"])
        return {k: m.get(k) for k in ["JobStatus", "TotalTransfers", "TransfersCompleted", "TransfersFailed",
                                       "TransfersSkipped", "TotalBytesTransferred", "TotalBytesExpected"]}

    dest = f"{c('dest')}?{sas}"
    jobs = {}
    for fmt in ["json", "text"]:
        sub = f"{c('dest')}/{fmt}?{sas}"
        e = record(f"copy_{fmt}_completed", ["copy", "src", sub, "--recursive=true", "--from-to=LocalBlob", f"--output-type={fmt}"])
        jobs[f"completed_{fmt}"] = e
        e = record(f"copy_{fmt}_skipped", ["copy", "src", sub, "--recursive=true", "--from-to=LocalBlob", "--overwrite=false", f"--output-type={fmt}"])
        jobs[f"skipped_{fmt}"] = e
        # a lease on one destination blob makes its overwrite fail: partial failure
        assert rest("PUT", f"{c('dest')}/{fmt}/src/f2.bin?comp=lease&{sas}", {"x-ms-lease-action": "acquire", "x-ms-lease-duration": "-1"}) == 201
        e = record(f"copy_{fmt}_errors", ["copy", "src", sub, "--recursive=true", "--from-to=LocalBlob", "--overwrite=true", f"--output-type={fmt}"])
        jobs[f"errors_{fmt}"] = e
        now = time.time() + 5
        os.utime(f"{DATA}/src/f2.bin", (now, now)); os.utime(f"{DATA}/src/f3.bin", (now, now))
        e = record(f"copy_{fmt}_errors_and_skipped", ["copy", "src", sub, "--recursive=true", "--from-to=LocalBlob", "--overwrite=ifSourceNewer", f"--output-type={fmt}"])
        jobs[f"errors_and_skipped_{fmt}"] = e
        e = record(f"copy_{fmt}_failed", ["copy", "src", f"{ep}/nosuchcontainer-{run_id}?{sas}", "--recursive=true", "--from-to=LocalBlob", f"--output-type={fmt}"])
        jobs[f"failed_{fmt}"] = e
        record(f"copy_{fmt}_scan_error", ["copy", "/app/data/missing", dest, "--recursive=true", "--from-to=LocalBlob", f"--output-type={fmt}"],
               note="JobID is printed, then the scan fails: no job plan is left, so jobs show finds no such job")
        e = record(f"copy_{fmt}_download", ["copy", f"{c('dest')}/{fmt}/src?{sas}", f"/app/data/download-{fmt}", "--recursive=true", "--from-to=BlobLocal", f"--output-type={fmt}"])
        jobs[f"download_{fmt}"] = e
        e = record(f"copy_{fmt}_cancelled", ["copy", "big", f"{c('slow')}/{fmt}?{sas}", "--recursive=true", "--from-to=LocalBlob", "--cap-mbps=8", f"--output-type={fmt}"],
                   interrupt_after=4, note="SIGINT 4 s after start")
        jobs[f"cancelled_{fmt}"] = e
        record(f"copy_{fmt}_bad_flag", ["copy", "src", dest, "--recursive=true", "--from-to=LocalBlob", "--overwrite=sometimes", f"--output-type={fmt}"])
        record(f"copy_{fmt}_no_from_to", ["copy", "src", dest, "--recursive=true", f"--output-type={fmt}"],
               note="the emulator's URL is not recognised as blob: --from-to is required")

    # a job observed while it runs, then killed without a chance to clean up
    p = subprocess.Popen([az, "copy", "big", f"{c('killed')}?{sas}", "--recursive=true", "--from-to=LocalBlob", "--cap-mbps=8", "--output-type=json"],
                         stdout=open(f"{out}/copy_json_killed.stdout", "wb"), stderr=open(f"{out}/copy_json_killed.stderr", "wb"), env=env, cwd=DATA)
    time.sleep(5)
    killed_job = re.search(r"JobID\\\":\\\"([0-9a-f-]{36})", open(f"{out}/copy_json_killed.stdout").read()).group(1)
    for fmt in ["json", "text"]:
        record(f"jobs_show_{fmt}_inprogress", ["jobs", "show", killed_job, f"--output-type={fmt}"], note="while the copy process is alive")
    p.kill(); p.wait()
    manifest["cases"]["copy_json_killed"] = {"command": ["azcopy", "copy", "big", "<slow container>", "--recursive=true", "--from-to=LocalBlob", "--cap-mbps=8", "--output-type=json"],
                                             "exit_code": -9, "job_id": killed_job, "note": "SIGKILL 5 s after start"}
    for fmt in ["json", "text"]:
        record(f"jobs_show_{fmt}_killed", ["jobs", "show", killed_job, f"--output-type={fmt}"], note="after SIGKILL: the plan still says InProgress")
    manifest["cases"]["copy_json_killed"]["expect"] = show_expect(killed_job)

    for name, e in jobs.items():
        if e["job_id"]:
            fmt = "json" if name.endswith("json") else "text"
            base = name.rsplit("_", 1)[0]
            try:
                e["expect"] = show_expect(e["job_id"])
            except Exception as ex:  # no plan
                e["expect"] = None
            for of in ["json", "text"]:
                record(f"jobs_show_{of}_{base}_from_{fmt}", ["jobs", "show", e["job_id"], f"--output-type={of}"])
    fj = jobs["failed_json"]["job_id"]
    record("jobs_show_json_failed_with_status_failed", ["jobs", "show", fj, "--with-status=Failed", "--output-type=json"])
    for fmt in ["json", "text"]:
        record(f"jobs_show_{fmt}_notfound", ["jobs", "show", "7b0a9c2e-1111-4222-8333-444455556666", f"--output-type={fmt}"])
        record(f"jobs_show_{fmt}_invalid_id", ["jobs", "show", "not-a-uuid", f"--output-type={fmt}"])
        record(f"jobs_list_{fmt}", ["jobs", "list", f"--output-type={fmt}"])
    # resume the killed job to completion with a fresh SAS
    record("jobs_resume_text_killed", ["jobs", "resume", killed_job, f"--destination-sas={sas}", "--output-type=text"])
    record("jobs_show_json_resumed", ["jobs", "show", killed_job, "--output-type=json"])
    manifest["cases"]["jobs_resume_text_killed"]["expect"] = show_expect(killed_job)

    # neutralise the SAS signatures that the recorder itself passed (azcopy redacts its own echo)
    sig = dict(urllib.parse.parse_qsl(sas))["sig"]
    for f in os.listdir(out):
        p_ = f"{out}/{f}"
        s = open(p_, "rb").read()
        for form in {sig, urllib.parse.quote(sig, safe=""), urllib.parse.quote_plus(sig)}:
            s = s.replace(form.encode(), b"REDACTED")
        s = s.replace(run_id.encode(), b"run")
        open(p_, "wb").write(s)
    manifest_s = json.dumps(manifest, indent=2).replace(run_id, "run")
    open(f"{out}/manifest.json", "w").write(manifest_s)



# ---------------------------------------------------------------------------------------------
# --production: COOL (FileBlob: Azure Files share -> Blob container) and RESTORE (BlobFile)

JOB_ID = re.compile(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
SHOW_KEYS = ["JobStatus", "TotalTransfers", "TransfersCompleted", "TransfersFailed",
             "TransfersSkipped", "TotalBytesTransferred", "TotalBytesExpected"]


def lay_out_project(root: str, rnd: random.Random) -> dict:
    """The source project on a share: nested folders, a name with a space, a non-ASCII name,
    a zero-byte file and an empty folder. Returns relative path -> size."""
    files = {"readme.txt": 1200, "docs/guide.md": 3000, "docs/with space.txt": 700,
             "docs/deep/nested/data.bin": 4096, "données/résumé.txt": 900, "empty.bin": 0}
    for rel, size in files.items():
        os.makedirs(os.path.dirname(f"{root}/{rel}"), exist_ok=True)
        open(f"{root}/{rel}", "wb").write(rnd.randbytes(size))
    os.makedirs(f"{root}/emptydir")
    return files


def record_production(a):
    az, out, work = os.path.abspath(a.azcopy), os.path.abspath(a.out), os.path.abspath(a.work_dir)
    bep, fep, files_dir = a.blob_endpoint.rstrip("/"), a.file_endpoint.rstrip("/"), os.path.abspath(a.files_dir)
    os.makedirs(out, exist_ok=True)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = dict(os.environ, AZCOPY_LOG_LOCATION=work, AZCOPY_JOB_PLAN_LOCATION=work)
    version = subprocess.run([az, "--version"], capture_output=True, text=True, env=env).stdout.strip()
    manifest_path = f"{out}/manifest.json"
    manifest = json.load(open(manifest_path)) if os.path.exists(manifest_path) else {"azcopy_version": version, "cases": {}}
    assert manifest["azcopy_version"] == version, (manifest["azcopy_version"], version)

    # An account SAS with ss=bf works on both endpoints; read_only may not write blobs.
    sas = account_sas(ss="bf", sv="2021-08-06")
    read_only = account_sas(ss="bf", sv="2021-08-06", sp="rl")
    run_id = uuid.uuid4().hex[:8]
    share, cont = f"cool-{run_id}", f"cool-{run_id}"
    lay_out_project(f"{files_dir}/{share}/proj", random.Random(11))
    for fmt in ["json", "text"]:
        os.makedirs(f"{files_dir}/restore-{fmt}-{run_id}")  # empty shares for RESTORE
    assert rest("PUT", f"{bep}/{cont}?restype=container&{sas}") == 201, cont
    common = ["--recursive=true", "--log-level=INFO", "--skip-version-check"]
    new_cases = []

    def record(case, args, note=""):
        with open(f"{out}/{case}.stdout", "wb") as so, open(f"{out}/{case}.stderr", "wb") as se:
            p = subprocess.Popen([az] + args, stdout=so, stderr=se, stdin=subprocess.PIPE, env=env, cwd=work)  # an open stdin: at EOF azcopy spins a core
            rc = p.wait(timeout=600)
            p.stdin.close()
        text = open(f"{out}/{case}.stdout", "rb").read().decode(errors="replace")
        m = JOB_ID.search(text)
        entry = {"command": ["azcopy"] + [redact(x) for x in args], "exit_code": rc, "note": note,
                 "job_id": m.group(1) if m and args[0] == "copy" else None}
        manifest["cases"][case] = entry
        new_cases.append(case)
        print(f"{case}: rc={rc} job={entry['job_id']}", file=sys.stderr)
        return entry

    def show(case, of, job):
        r = subprocess.run([az, "jobs", "show", job, "--output-type=json"], capture_output=True, text=True, env=env)
        m = json.loads(json.loads(r.stdout.splitlines()[0])["MessageContent"])
        manifest["cases"][case]["expect"] = {k: m.get(k) for k in SHOW_KEYS}
        fmt = case.split("_")[1]
        for o in of:
            record(f"jobs_show_{o}_{case.split('_', 2)[2]}_from_{fmt}", ["jobs", "show", job, f"--output-type={o}"])

    def file_url(path, q=sas):
        return f"{fep}/{path}?{q}"

    def blob_url(path, q=sas):
        return f"{bep}/{path}?{q}"

    # 1. COOL into an existing container, the service's form: <share>/<project>/* -> <container>/<prefix>
    for fmt in ["json", "text"]:
        e = record(f"copy_{fmt}_fileblob_completed",
                   ["copy", file_url(f"{share}/proj/*"), blob_url(f"{cont}/{fmt}/proj"), *common,
                    "--overwrite=true", "--from-to=FileBlob", f"--output-type={fmt}"],
                   note="COOL: 6 files (one of 0 bytes, names with a space and non-ASCII) and an empty folder, which Blob cannot hold")
        if fmt == "json":
            show(f"copy_{fmt}_fileblob_completed", ["json", "text"], e["job_id"])
        else:
            show(f"copy_{fmt}_fileblob_completed", [], e["job_id"])
    # 2. RESTORE into an empty share
    for fmt in ["json", "text"]:
        e = record(f"copy_{fmt}_blobfile_completed",
                   ["copy", blob_url(f"{cont}/{fmt}/proj"), file_url(f"restore-{fmt}-{run_id}"), *common,
                    "--overwrite=ifSourceNewer", "--from-to=BlobFile", f"--output-type={fmt}"],
                   note="RESTORE into an empty share")
        show(f"copy_{fmt}_blobfile_completed", ["json"] if fmt == "json" else [], e["job_id"])
    # 3. RESTORE again: every file on the share is newer than its blob
    time.sleep(1)
    e = record("copy_json_blobfile_skipped",
               ["copy", blob_url(f"{cont}/json/proj"), file_url(f"restore-json-{run_id}"), *common,
                "--overwrite=ifSourceNewer", "--from-to=BlobFile", "--output-type=json"],
               note="RESTORE again with ifSourceNewer: every file skipped")
    show("copy_json_blobfile_skipped", ["json"], e["job_id"])
    # 4. COOL again over a destination blob that holds a lease: its overwrite fails (412)
    assert rest("PUT", f"{bep}/{cont}/json/proj/docs/guide.md?comp=lease&{sas}",
                {"x-ms-lease-action": "acquire", "x-ms-lease-duration": "-1"}) == 201
    e = record("copy_json_fileblob_errors",
               ["copy", file_url(f"{share}/proj/*"), blob_url(f"{cont}/json/proj"), *common,
                "--overwrite=true", "--from-to=FileBlob", "--output-type=json"],
               note="COOL again over copy_json_fileblob_completed; docs/guide.md's blob is leased, so its overwrite fails")
    show("copy_json_fileblob_errors", ["json"], e["job_id"])
    # 5. COOL with a destination SAS that cannot write (sp=rl): AzCopy cancels the job at the
    #    first 403 (AuthorizationPermissionMismatch from Azurite).
    e = record("copy_json_fileblob_denied",
               ["copy", file_url(f"{share}/proj/*"), blob_url(f"{cont}/denied/proj", read_only), *common,
                "--overwrite=true", "--from-to=FileBlob", "--output-type=json"],
               note="COOL with a destination SAS of sp=rl: the first 403 makes AzCopy cancel the job")
    show("copy_json_fileblob_denied", ["json"], e["job_id"])

    # No signature may be written: replace the recorder's own (AzCopy redacts its echo), then check.
    sigs = [dict(urllib.parse.parse_qsl(q))["sig"] for q in (sas, read_only)]
    for case in new_cases:
        for ext in ("stdout", "stderr"):
            p_ = f"{out}/{case}.{ext}"
            s = open(p_, "rb").read()
            for sig in sigs:
                for form in {sig, urllib.parse.quote(sig, safe=""), urllib.parse.quote_plus(sig)}:
                    s = s.replace(form.encode(), b"REDACTED")
            s = s.replace(run_id.encode(), b"run")
            assert not re.search(rb"sig=(?!-?REDACTED)", s), p_  # 10.18 writes sig=-REDACTED-
            open(p_, "wb").write(s)
    manifest_s = json.dumps(manifest, indent=2).replace(run_id, "run")
    assert not re.search(r"sig=(?!-?REDACTED)", manifest_s)
    open(manifest_path, "w").write(manifest_s)


if __name__ == "__main__":
    main()
