"""The scale part of the benchmark: COOL and RESTORE of generated projects of up to 50,000 files
through the runner, against the bare `azcopy copy`, on the local storage of scripts/storage.sh.

For each size (200, 1,000, 10,000 and 50,000 files by default, --scale-sizes):
  - a COOL by the bare `azcopy copy` (AzCopy's own peak memory sampled from /proc: VmHWM, and
    the peaks of RssAnon and RssFile apart) and the same COOL through the runner (bench tool
    `upload`: wait() as a service would, a second thread polling the running job every 500 ms
    and timing it, the tool's VmHWM after the start, while waiting and after the summary);
  - the first get_summary() of the finished job in a fresh process (bench tool `memory
    --first 1`) against the bare `azcopy jobs show` of it.
The baseline of the polls: the same COOL of the smallest project from a `slow-` share, paced
by the Files test server so that it runs for half a minute.
At the largest size, --scale-pairs pairs of COOLs (runner and bare, the first of a pair
alternating) and of RESTOREs into fresh empty shares, and one bare COOL with AzCopy's memory
settings set (AZCOPY_CONCURRENCY_VALUE, AZCOPY_BUFFER_GB) to see whether they bound it.
--scale-steps picks among the three (cool, restore, settings), e.g. only the RESTORE pairs.
--scale-azcopy-env NAME=VALUE gives both sides of every COOL and RESTORE pair that variable
(the runner's through RunnerConfig::extra_env); the pairs' figures name them.
--scale-bare-setsid starts the bare AzCopy in a session of its own, as the runner starts its
AzCopy (on a kernel with sched_autogroup_enabled=1 a session is also a CPU scheduling group).

Every COOL starts on a fresh storage (scripts/storage.sh restarted: a second COOL into a fuller
Azurite is slower whichever side runs it). The RESTOREs read one filled container and write new
shares, so they share one storage.

The storage of this part is restarted with `--metadata sql` (--scale-metadata, default sql):
Azurite's metadata in a private MariaDB server (scripts/setup.sh --with-sql installs it), blob
contents on disk. Azurite's default in-memory LokiJS store costs O(n) a blob operation, its one
thread busy: a 50,000-file COOL would take hours and measure Azurite, not AzCopy. In a bare
10,000-file COOL, Put Blob went from 15 to 75 ms in memory and stayed at about 30 ms with SQL
(202 s against 138 s); 20,000 files took 192 s with SQL.
"""
import glob
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import uuid

from common import kv_lines, log, median

FILES_PER_FOLDER = 250
BIG_FILES = 4            # in every project, of BIG_SIZE bytes: "a few of several MiB"
BIG_SIZE = 8 << 20
POLL_EVERY_MS = 500      # the second thread's polls of the running job
JOBS_SHOW_RUNS = 5
SETTINGS = {"AZCOPY_CONCURRENCY_VALUE": "16", "AZCOPY_BUFFER_GB": "0.25"}
SECRET_WORDS = ("secret", "token", "password", "key", "sas", "credential")
STEPS = ("cool", "restore", "settings")  # --scale-steps: what the part runs, in this order


TUNING = re.compile(r"Trying (\d+) concurrent connections \(([^)]*)\)")


def concurrency_tuning(stdout_path):
    """AzCopy's concurrency tuning as its JSON stdout at PATH reports it: every "Trying N
    concurrent connections (why)" step as "N why", in order ([] when the file is gone)."""
    steps = []
    try:
        with open(stdout_path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if "concurrent connections" not in line:
                    continue
                try:
                    content = json.loads(line).get("MessageContent", "")
                except (ValueError, AttributeError):
                    continue
                m = TUNING.search(content)
                if m:
                    steps.append(f"{m.group(1)} {m.group(2)}")
    except OSError:
        pass
    return steps


def project_layout(files):
    """(relative path, size) of a project of FILES files: folders run<r>/d<d> of 250 files,
    sizes 512 B to 8 KiB, and BIG_FILES files of BIG_SIZE among them."""
    rnd = random.Random(files)
    big = {k * (files // BIG_FILES) for k in range(BIG_FILES)} if files >= BIG_FILES else set()
    layout = []
    for i in range(files):
        folder = i // FILES_PER_FOLDER
        size = BIG_SIZE if i in big else rnd.randint(512, 8192)
        layout.append((f"run{folder // 10:02d}/d{folder % 10}/f{i:05d}.dat", size))
    return layout


class Scale:
    def __init__(self, bench):
        self.b, self.a = bench, bench.a
        self.cache = os.path.join(bench.data, "scale")
        # What both sides of a COOL or RESTORE pair add to AzCopy's environment.
        self.side_env = {}
        for item in self.a.scale_azcopy_env:
            name, eq, value = item.partition("=")
            if not eq or not name.startswith("AZCOPY_"):
                raise SystemExit(f"scale: --scale-azcopy-env {name}: AZCOPY_NAME=VALUE expected")
            # The figures record these variables: none that may hold a secret (the words the
            # runner's own record leaves out, src/jobs/copy_args.cpp is_secret_env).
            if any(word in name.lower() for word in SECRET_WORDS):
                raise SystemExit(f"scale: --scale-azcopy-env {name}: may hold a secret, and the "
                                 "figures record what is given here")
            self.side_env[name] = value

    # ----- storage and data -------------------------------------------------------------------

    def restart_storage(self):
        script, directory = self.a.storage_script, self.a.storage_dir
        for args in (["stop"], ["start", "--metadata", self.a.scale_metadata]):
            done = subprocess.run(["bash", script, args[0], "--dir", directory, *args[1:]],
                                  capture_output=True, text=True, check=False)
            if done.returncode != 0:
                sys.stderr.write(done.stderr[-4000:])
                raise RuntimeError(f"scripts/storage.sh {' '.join(args)} failed")
        with open(os.path.join(directory, "endpoints.env"), encoding="utf-8") as f:
            env = kv_lines(f.read())
        self.a.blob_endpoint = env["AZCOPY_RUNNER_TEST_BLOB_ENDPOINT"]
        self.a.file_endpoint = env["AZCOPY_RUNNER_TEST_FILE_ENDPOINT"]
        self.a.endpoint = env["AZCOPY_RUNNER_TEST_AZURITE_ENDPOINT"]

    def project(self, files, share=None):
        """The share (`scale-<files>` by default) holding the project: made once in the cache,
        linked into the Files server's folder."""
        cached = os.path.join(self.cache, str(files))
        stamp = cached + ".complete"
        layout = project_layout(files)
        if not os.path.exists(stamp):
            shutil.rmtree(cached, ignore_errors=True)
            log(f"scale: making a project of {files} files")
            for rel, size in layout:
                path = os.path.join(cached, rel)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(os.urandom(size))
            open(stamp, "w", encoding="utf-8").close()
        share = share or f"scale-{files}"
        root = os.path.join(self.a.files_dir, share, "project")
        if not os.path.isdir(root):
            for rel, _ in layout:
                os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
                os.link(os.path.join(cached, rel), os.path.join(root, rel))
        return share, sum(size for _, size in layout)

    def container(self):
        name = f"scale-{uuid.uuid4().hex[:12]}"
        subprocess.run([sys.executable, self.a.ctl, "--endpoint", self.a.blob_endpoint,
                        "mkcontainer", name], capture_output=True, text=True, check=True)
        return name

    def forget_job(self, job):
        """A measured job's plan, logs and record go: 50,000-file plans add up."""
        for folder in (os.path.join(self.b.scratch, "work"), os.path.join(self.b.scratch, "logs")):
            for entry in os.listdir(folder):
                if entry.startswith(job):
                    path = os.path.join(folder, entry)
                    shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)

    # ----- one run of each side ---------------------------------------------------------------

    def bare(self, src, dst, from_to, overwrite, env_extra=None):
        env = dict(self.side_env) if env_extra is None else env_extra
        run = self.b.bare_copy_to_end_of_job(src, dst, from_to, overwrite, env,
                                             new_session=self.a.scale_bare_setsid)
        if run["job_id"]:
            self.forget_job(run["job_id"])
        peaks = run["azcopy_peaks_kib"]
        tuning = concurrency_tuning(os.path.join(self.b.scratch, "bare-stdout.json"))
        return {"to_end_of_job_s": run["to_end_of_job_s"], "exit_s": run["exit_s"],
                "tuning": tuning,
                "init_to_end_of_job_s": run["init_to_end_of_job_s"],
                "azcopy_hwm_kib": peaks["VmHWM"],
                "azcopy_anon_peak_kib": peaks["RssAnon"], "azcopy_file_peak_kib": peaks["RssFile"]}

    def runner(self, src, dst, from_to, overwrite, files):
        t0 = time.monotonic()
        out = kv_lines(self.b.tool("upload", "--src", src, "--dst", dst, "--from-to", from_to,
                                   "--overwrite", overwrite, "--interval-ms", "1000",
                                   "--poll-every-ms", str(POLL_EVERY_MS),
                                   *(x for k, v in self.side_env.items()
                                     for x in ("--azcopy-env", f"{k}={v}")),
                                   scratch=True))
        seconds = time.monotonic() - t0
        if out.get("state") != "SUCCEEDED" or out.get("files_transferred") != str(files):
            raise RuntimeError(f"runner {from_to} of {files} files: {out}")
        started = int(out["hwm_started_kib"])
        stdout = glob.glob(os.path.join(self.b.scratch, "logs", out["job_id"] + "*", "stdout.log"))
        return {"seconds": seconds, "job_id": out["job_id"],
                "tuning": concurrency_tuning(stdout[0]) if stdout else [],
                "cpu_ms": float(out.get("cpu_ms", "nan")),
                "start_to_init_ms": float(out.get("start_to_init_ms", "nan")),
                "init_to_end_of_job_s": float(out.get("init_to_end_of_job_ms", "nan")) / 1000,
                "end_of_job_to_summary_ms": float(out.get("end_of_job_to_summary_ms", "nan")),
                "poll_ms_median": float(out.get("running_poll_ms_median", "nan")),
                "polls_timed": int(out.get("running_polls", "0")),
                "wait_growth_kib": int(out["hwm_waiting_kib"]) - started,
                "summary_growth_kib": int(out["hwm_summary_kib"]) - started}

    def summary_costs(self, job):
        """The first get_summary() of JOB in a fresh process, and the bare `jobs show` of it."""
        first = kv_lines(self.b.tool("memory", "--job", job, "--first", "1", scratch=True))
        bare = []
        for _ in range(JOBS_SHOW_RUNS):
            t0 = time.monotonic()
            subprocess.run([self.a.azcopy, "jobs", "show", job, "--output-type=json"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=self.b.azcopy_env(scratch=True),
                           check=True)
            bare.append((time.monotonic() - t0) * 1000)
        return {"first_get_summary_ms": float(first["get_summary_ms"]),
                "first_get_summary_growth_kib": int(first["hwm_growth_kib"]),
                "jobs_show_ms_median": median(bare)}

    def cool(self, files, side):
        """One COOL of the project of FILES files on a fresh storage, by SIDE."""
        self.restart_storage()
        share, _ = self.project(files)
        token = self.b.sas(600)
        src = f"{self.a.file_endpoint}/{share}/project/*?{token}"
        dst = f"{self.a.blob_endpoint}/{self.container()}/project?{token}"
        if side == "bare":
            return self.bare(src, dst, "FileBlob", "true")
        result = self.runner(src, dst, "FileBlob", "true", files)
        result.update(self.summary_costs(result["job_id"]))
        self.forget_job(result["job_id"])
        return result

    def poll_baseline(self, files):
        """The runner's poll of a running COOL of the smallest project, from a `slow-` share
        (the Files test server paces its reads to 1 MiB/s): a job that runs for half a minute,
        long enough to be polled on its own output like the larger ones (a job of a few
        seconds is polled through `jobs show` until its first progress line)."""
        self.restart_storage()
        share, _ = self.project(files, share=f"slow-scale-{files}")
        token = self.b.sas(600)
        result = self.runner(f"{self.a.file_endpoint}/{share}/project/*?{token}",
                             f"{self.a.blob_endpoint}/{self.container()}/project?{token}",
                             "FileBlob", "true", files)
        self.forget_job(result["job_id"])
        self.b.record("scale/poll_baseline", files=files, seconds=result["seconds"],
                      poll_ms_median=result["poll_ms_median"], polls_timed=result["polls_timed"])

    def pairs(self, count, run_runner, run_bare, label):
        runner, bare = [], []
        for i in range(count):
            for side in (("runner", "bare") if i % 2 == 0 else ("bare", "runner")):
                (runner if side == "runner" else bare).append(
                    run_runner() if side == "runner" else run_bare())
            log(f"scale: {label} pair {i + 1}: runner {runner[-1]['seconds']:.1f} s, bare to "
                f"EndOfJob {bare[-1]['to_end_of_job_s']:.1f} s")
        return runner, bare

    @staticmethod
    def breakdown(runner, bare):
        """Where the two sides' times go, each run in order: AzCopy's own work (its Init to its
        EndOfJob) on each side, what the runner adds around it, the bare copy's exit, the
        runner process's own CPU time, and AzCopy's concurrency tuning on each side."""
        return {"runner_init_to_end_of_job_s": [r["init_to_end_of_job_s"] for r in runner],
                "bare_init_to_end_of_job_s": [r["init_to_end_of_job_s"] for r in bare],
                "runner_start_to_init_ms": [r["start_to_init_ms"] for r in runner],
                "runner_end_of_job_to_summary_ms": [r["end_of_job_to_summary_ms"] for r in runner],
                "bare_exit_s": [r["exit_s"] for r in bare],
                "runner_process_cpu_ms": [r["cpu_ms"] for r in runner],
                "runner_tuning": [r["tuning"] for r in runner],
                "bare_tuning": [r["tuning"] for r in bare]}

    # ----- the part ---------------------------------------------------------------------------

    def run(self):
        if not (self.a.storage_dir and self.a.storage_script and self.a.files_dir):
            log("scale: no --storage-dir/--storage-script/--files-dir: skipped")
            return
        sizes = sorted(int(x) for x in self.a.scale_sizes.split(","))
        steps = set(self.a.scale_steps.split(","))
        unknown = steps - set(STEPS)
        if unknown:
            raise SystemExit(f"scale: unknown --scale-steps {','.join(sorted(unknown))} "
                             f"(known: {','.join(STEPS)})")
        if "cool" in steps:
            self.cools(sizes)
        largest = sizes[-1]
        if "restore" in steps:
            self.restore_pairs(largest)
        if "settings" in steps:
            self.cool_with_settings(largest)

    def cools(self, sizes):
        """The poll baseline, then a COOL pair at each size (--scale-pairs at the largest)."""
        self.poll_baseline(sizes[0])
        for files in sizes:
            count = self.a.scale_pairs if files == sizes[-1] else 1
            runner, bare = self.pairs(count, lambda f=files: self.cool(f, "runner"),
                                      lambda f=files: self.cool(f, "bare"), f"COOL {files}")
            self.b.record(f"scale/cool/{files}", files=files, pairs=count,
                          azcopy_env=self.side_env,
                          bare_setsid=self.a.scale_bare_setsid,
                          runner_s=[r["seconds"] for r in runner],
                          bare_to_end_of_job_s=[r["to_end_of_job_s"] for r in bare],
                          ratio=median([r["seconds"] for r in runner])
                          / median([r["to_end_of_job_s"] for r in bare]),
                          poll_ms_median=median([r["poll_ms_median"] for r in runner]),
                          polls_timed=sum(r["polls_timed"] for r in runner),
                          wait_growth_kib_max=max(r["wait_growth_kib"] for r in runner),
                          summary_growth_kib_max=max(r["summary_growth_kib"] for r in runner),
                          first_get_summary_ms=median([r["first_get_summary_ms"] for r in runner]),
                          first_get_summary_growth_kib=max(
                              r["first_get_summary_growth_kib"] for r in runner),
                          jobs_show_ms=median([r["jobs_show_ms_median"] for r in runner]),
                          azcopy_hwm_kib=max(r["azcopy_hwm_kib"] for r in bare),
                          azcopy_anon_peak_kib=max(r["azcopy_anon_peak_kib"] for r in bare),
                          azcopy_file_peak_kib=max(r["azcopy_file_peak_kib"] for r in bare),
                          **self.breakdown(runner, bare))

    def cool_with_settings(self, largest):
        """One bare COOL of the largest project with AzCopy's memory settings (SETTINGS)."""
        self.restart_storage()
        share, _ = self.project(largest)
        token = self.b.sas(600)
        bounded = self.bare(f"{self.a.file_endpoint}/{share}/project/*?{token}",
                            f"{self.a.blob_endpoint}/{self.container()}/project?{token}",
                            "FileBlob", "true", SETTINGS)
        self.b.record(f"scale/cool_with_settings/{largest}", files=largest, settings=SETTINGS,
                      **bounded)

    def restore_pairs(self, files):
        """RESTOREs of the project from one filled container into fresh empty shares."""
        self.restart_storage()
        share, _ = self.project(files)
        token = self.b.sas(600)
        source = self.container()
        self.bare(f"{self.a.file_endpoint}/{share}/project/*?{token}",
                  f"{self.a.blob_endpoint}/{source}/project?{token}", "FileBlob", "true")

        def restore(side):
            target = f"restore-{uuid.uuid4().hex[:12]}"
            os.makedirs(os.path.join(self.a.files_dir, target))
            src = f"{self.a.blob_endpoint}/{source}/project?{token}"
            dst = f"{self.a.file_endpoint}/{target}?{token}"
            try:
                if side == "bare":
                    return self.bare(src, dst, "BlobFile", "ifSourceNewer")
                result = self.runner(src, dst, "BlobFile", "ifSourceNewer", files)
                self.forget_job(result["job_id"])
                return result
            finally:
                shutil.rmtree(os.path.join(self.a.files_dir, target), ignore_errors=True)

        runner, bare = self.pairs(self.a.scale_pairs, lambda: restore("runner"),
                                  lambda: restore("bare"), f"RESTORE {files}")
        self.b.record(f"scale/restore/{files}", files=files, pairs=self.a.scale_pairs,
                      azcopy_env=self.side_env,
                      bare_setsid=self.a.scale_bare_setsid,
                      runner_s=[r["seconds"] for r in runner],
                      bare_to_end_of_job_s=[r["to_end_of_job_s"] for r in bare],
                      ratio=median([r["seconds"] for r in runner])
                      / median([r["to_end_of_job_s"] for r in bare]),
                      wait_growth_kib_max=max(r["wait_growth_kib"] for r in runner),
                      summary_growth_kib_max=max(r["summary_growth_kib"] for r in runner),
                      azcopy_hwm_kib=max(r["azcopy_hwm_kib"] for r in bare),
                      azcopy_anon_peak_kib=max(r["azcopy_anon_peak_kib"] for r in bare),
                      azcopy_file_peak_kib=max(r["azcopy_file_peak_kib"] for r in bare),
                      **self.breakdown(runner, bare))


def report_rows(figures, row):
    """The scale rows of summary.md: ROW(target, figure, baseline, ours, ratio, met), met None
    for a figure reported without a target."""
    cools = sorted((int(k.rsplit("/", 1)[1]), v) for k, v in figures.items()
                   if k.startswith("scale/cool/"))
    measured = [int(k.rsplit("/", 1)[1]) for k in figures
                if k.startswith(("scale/cool/", "scale/restore/", "scale/cool_with_settings/"))]
    if not measured:
        return
    largest = figures.get(f"scale/cool/{max(measured)}")
    for direction in ("cool", "restore"):
        g = figures.get(f"scale/{direction}/{max(measured)}")
        if g:
            row("scale: a job through the runner <= 1.02 x the bare copy to its EndOfJob",
                f"{direction.upper()}, {g['files']} files, {g['pairs']} pairs"
                + "".join(f", {k}={v}" for k, v in g.get("azcopy_env", {}).items())
                + (", bare in its own session" if g.get("bare_setsid") else ""),
                f"bare {median(g['bare_to_end_of_job_s']):.1f} s",
                f"{median(g['runner_s']):.1f} s", f"{g['ratio']:.3f}", g["ratio"] <= 1.02)
            bare_work = [s for s in g.get("bare_init_to_end_of_job_s", []) if s is not None]
            if g.get("runner_init_to_end_of_job_s") and bare_work:
                work = median(g["runner_init_to_end_of_job_s"]) / median(bare_work)
                added = [a + b for a, b in zip(g["runner_start_to_init_ms"],
                                               g["runner_end_of_job_to_summary_ms"])]
                row("scale: where the difference is: AzCopy's own Init to EndOfJob, and what the "
                    "runner adds around it", f"{direction.upper()}, {g['files']} files",
                    f"bare {median(bare_work):.1f} s",
                    f"{median(g['runner_init_to_end_of_job_s']):.1f} s; the runner adds "
                    f"{median(added):.0f} ms (start to Init, EndOfJob to the summary)"
                    + (f", its process used {median(g['runner_process_cpu_ms']) / 1000:.1f} s "
                       "of CPU" if g.get("runner_process_cpu_ms") else ""),
                    f"{work:.3f}", None)
                for side in ("runner", "bare"):
                    row("scale: AzCopy's concurrency tuning (each run)",
                        f"{direction.upper()}, {g['files']} files, {side}", "-",
                        "; ".join(" > ".join(t) or "none seen"
                                  for t in g.get(f"{side}_tuning", [])) or "-", "-", None)
    base = figures.get("scale/poll_baseline")
    for files, g in [c for c in cools if base and c[0] > base["files"]]:
        ratio = g["poll_ms_median"] / base["poll_ms_median"]
        row(f"scale: poll of the running COOL <= 2 x that of a {base['files']}-file COOL",
            f"{files} files, {g['polls_timed']} polls",
            f"{base['poll_ms_median']:.2f} ms ({base['polls_timed']} polls, slow- share)",
            f"{g['poll_ms_median']:.2f} ms", f"{ratio:.2f}", ratio <= 2.0)
    for files, g in cools:
        growth = max(g["wait_growth_kib_max"], g["summary_growth_kib_max"])
        row("scale: the runner's memory growth, waiting and reading the summary: <= 16 MiB",
            f"COOL, {files} files", "16 MiB", f"waiting {g['wait_growth_kib_max'] / 1024:.1f} "
            f"MiB, with the summary {g['summary_growth_kib_max'] / 1024:.1f} MiB",
            f"{growth / 16384:.3f} of target", growth <= 16384)
    for files, g in cools:
        row("scale: first get_summary of the finished job (how it grows)", f"{files} files",
            f"bare jobs show {g['jobs_show_ms']:.0f} ms",
            f"{g['first_get_summary_ms']:.0f} ms, {g['first_get_summary_growth_kib'] / 1024:.1f} "
            "MiB", f"{g['first_get_summary_ms'] / g['jobs_show_ms']:.2f}", None)
    for files, g in cools:
        row("scale: AzCopy's own peak memory (to size a container)", f"COOL, {files} files"
            + "".join(f", {k}={v}" for k, v in g.get("azcopy_env", {}).items()),
            "-", f"VmHWM {g['azcopy_hwm_kib'] / 1024:.0f} MiB (anon {g['azcopy_anon_peak_kib'] / 1024:.0f}"
            f", file {g['azcopy_file_peak_kib'] / 1024:.0f})", "-", None)
    for key, g in figures.items():
        if key.startswith("scale/cool_with_settings/"):
            row("scale: AzCopy's peak memory with its settings", f"COOL, {g['files']} files, "
                + ", ".join(f"{k}={v}" for k, v in g["settings"].items()),
                f"VmHWM {largest['azcopy_hwm_kib'] / 1024:.0f} MiB without" if largest else "-",
                f"VmHWM {g['azcopy_hwm_kib'] / 1024:.0f} MiB (anon "
                f"{g['azcopy_anon_peak_kib'] / 1024:.0f}, file {g['azcopy_file_peak_kib'] / 1024:.0f})",
                f"{g['azcopy_hwm_kib'] / largest['azcopy_hwm_kib']:.2f}" if largest else "-", None)
