"""What the parts of the benchmark share (stdlib only): logging, AzCopy's JSON output read
for its message times, key=value output of the bench tool, medians, a process's peak memory."""
import datetime
import json
import re
import statistics
import sys
import threading
import time

# The flags the runner gives every `azcopy copy`: a bare copy gets them too, to be compared.
RUNNER_FLAGS = ["--log-level=INFO", "--output-type=json", "--skip-version-check"]
JOB_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def log(msg):
    print(f"[bench.py] {msg}", file=sys.stderr, flush=True)


def message_times(path, types):
    """TimeStamp (seconds since the epoch) of the first message of each of @types in a JSON
    output of AzCopy."""
    found = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            t = msg.get("MessageType") if isinstance(msg, dict) else None
            if t in types and t not in found:
                stamp = msg.get("TimeStamp", "").rstrip("Z")
                whole, _, frac = stamp.partition(".")
                found[t] = (datetime.datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S")
                            .replace(tzinfo=datetime.timezone.utc).timestamp()
                            + float("0." + (frac or "0")))
    return found


def median(values):
    return statistics.median(values) if values else float("nan")


def kv_lines(text):
    """key=value lines (and `a=1 b=2` lines) -> dict; repeated keys keep the last value."""
    out = {}
    for line in text.splitlines():
        for word in line.split():
            if "=" in word:
                k, v = word.split("=", 1)
                out[k] = v
    return out


class ProcessMemory:
    """Samples a process's VmHWM, RssAnon and RssFile every 100 ms; keeps the peaks (KiB)."""

    def __init__(self, pid):
        self.pid, self.peaks, self._stop = pid, {"VmHWM": 0, "RssAnon": 0, "RssFile": 0}, False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self):
        try:
            with open(f"/proc/{self.pid}/status", encoding="utf-8") as f:
                for line in f:
                    key, _, rest = line.partition(":")
                    if key in self.peaks:
                        self.peaks[key] = max(self.peaks[key], int(rest.split()[0]))
        except (OSError, ValueError, IndexError):
            pass

    def _run(self):
        while not self._stop:
            self._sample()
            time.sleep(0.1)

    def stop(self):
        self._stop = True
        self._thread.join()
        return dict(self.peaks)
