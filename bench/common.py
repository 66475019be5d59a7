"""What the parts of the benchmark share (stdlib only): logging, AzCopy's JSON output read
for its message times, key=value output of the bench tool, medians."""
import datetime
import json
import statistics
import sys

# The flags the runner gives every `azcopy copy`: a bare copy gets them too, to be compared.
RUNNER_FLAGS = ["--log-level=INFO", "--output-type=json", "--skip-version-check"]


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
