"""The module through tests/fakes/fake-azcopy: states, summaries, errors, waiting, the GIL.

The fake replays AzCopy 10.32.2's recorded `jobs show` outputs (FAKE_AZCOPY_MODE=recorded-NAME)
and plays a copy that runs until it is stopped (copy-run) or fails to start.
"""
import datetime
import json
import logging
import os
import signal
import threading
import time

import pytest

import azcopy_runner as azr

FIXTURES = os.path.join(os.path.dirname(os.environ.get("AZCOPY_RUNNER_FAKE_AZCOPY", ".")),
                        "..", "data", "azcopy-fixtures", "10.32.2")
SECRET = "sig=PYTHONSECRETSIGNATURE0123456789abcdef"


def make_runner(fake_azcopy, work_dir, mode, **kwargs):
    env = {"FAKE_AZCOPY_MODE": mode}
    env.update(kwargs.pop("extra_env", {}))
    return azr.AzCopyRunner(from_env=False, azcopy_path=fake_azcopy, work_dir=work_dir,
                            command_timeout=5, extra_env=env, **kwargs)


def recorded_summary(name):
    """AzCopy's own summary in the recorded `jobs show` output NAME (the oracle)."""
    with open(os.path.join(FIXTURES, f"jobs_show_json_{name}.stdout"), encoding="utf-8") as f:
        for line in f:
            message = json.loads(line)
            if message.get("MessageType") == "GetJobSummary":
                return json.loads(message["MessageContent"])
    raise AssertionError(f"no summary in {name}")


# The task's mapping of AzCopy's JobStatus, written here again as the oracle.
TASK_MAPPING = {
    "Completed": "SUCCEEDED",
    "CompletedWithSkipped": "SUCCEEDED",
    "CompletedWithErrors": "FAILED",
    "CompletedWithErrorsAndSkipped": "FAILED",
    "Failed": "FAILED",
    "Cancelled": "CANCELED",
    "InProgress": "RUNNING",
    "Paused": "RUNNING",
    "Cancelling": "RUNNING",
    "SomethingNew": "UNKNOWN",
}


@pytest.mark.parametrize("status,state", sorted(TASK_MAPPING.items()))
def test_azcopy_status_maps_to_the_task_state(status, state):
    assert azr.map_azcopy_status(status) == state
    assert azr.is_terminal(state) == (state in {"SUCCEEDED", "FAILED", "CANCELED"})
    assert state in azr.STATES


@pytest.mark.parametrize("name", [
    "completed_from_json", "skipped_from_json", "errors_from_json",
    "errors_and_skipped_from_json", "failed_from_json",
    "cancelled_from_json", "fileblob_completed_from_json", "blobfile_completed_from_json",
])
def test_summary_of_a_recorded_job_has_azcopy_figures(fake_azcopy, work_dir, job_id, name):
    runner = make_runner(fake_azcopy, work_dir, f"recorded-{name}")
    recorded = recorded_summary(name)
    summary = runner.get_summary(job_id)
    expected_state = TASK_MAPPING[recorded["JobStatus"]]
    if int(recorded["TransfersFailed"]) > 0:
        expected_state = "FAILED"  # any failed transfer fails the job
    assert summary.state == expected_state
    assert summary.raw_status == recorded["JobStatus"]
    assert summary.bytes_transferred == int(recorded["TotalBytesTransferred"])
    assert summary.failed_transfers == int(recorded["TransfersFailed"])
    assert summary.skipped_transfers == int(recorded["TransfersSkipped"])
    assert summary.files_transferred == (int(recorded["TransfersCompleted"])
                                         - int(recorded["FoldersCompleted"]))
    assert isinstance(summary.raw_summary, dict)
    assert summary.raw_summary["JobStatus"] == recorded["JobStatus"]
    # Each failed transfer is listed (from `jobs show --with-status=Failed`), with its code.
    failed = [f for f in summary.failed_files if f.transfer_status == "Failed"]
    assert len(failed) + summary.failed_files_omitted == summary.failed_transfers
    assert all(f.error_code for f in failed)
    if expected_state != "FAILED":
        assert summary.failure_reason == ""
    progress = runner.poll(job_id)
    assert progress.state == summary.state
    assert progress.bytes_transferred == summary.bytes_transferred


def test_times_are_aware_utc_datetimes_and_json_round_trips(fake_azcopy, work_dir, job_id):
    runner = make_runner(fake_azcopy, work_dir, "recorded-completed_from_json")
    summary = runner.get_summary(job_id)
    for t in (summary.started_at, summary.finished_at):
        assert isinstance(t, datetime.datetime)
        assert t.utcoffset() == datetime.timedelta(0)
    assert summary.started_at <= summary.finished_at
    again = azr.AzCopySummary.from_json(summary.to_json())
    assert again.to_dict() == summary.to_dict()
    assert summary.to_dict()["state"] == "SUCCEEDED"
    assert "SUCCEEDED" in repr(summary)


def test_a_running_job_has_no_summary_yet(fake_azcopy, work_dir, job_id):
    runner = make_runner(fake_azcopy, work_dir, "recorded-inprogress")
    assert runner.poll(job_id).state == "RUNNING"
    with pytest.raises(azr.AzCopyNotFinishedError) as caught:
        runner.get_summary(job_id)
    error = caught.value
    assert isinstance(error, azr.AzCopyError)
    assert error.job_id == job_id
    assert error.partial_summary is not None
    assert error.partial_summary.state == "RUNNING"


def test_an_unknown_job_raises_job_not_found(fake_azcopy, work_dir, job_id):
    runner = make_runner(fake_azcopy, work_dir, "notfound")
    with pytest.raises(azr.AzCopyJobNotFoundError) as caught:
        runner.poll(job_id)
    assert caught.value.job_id == job_id
    assert caught.value.log_dir
    with pytest.raises(azr.AzCopyJobNotFoundError):
        runner.poll("not-a-job-id")


def test_garbage_from_azcopy_raises_parse_error_with_a_bounded_excerpt(fake_azcopy, work_dir,
                                                                       job_id):
    runner = make_runner(fake_azcopy, work_dir, "garbage")
    with pytest.raises(azr.AzCopyParseError) as caught:
        runner.poll(job_id)
    assert caught.value.job_id == job_id
    assert 0 < len(caught.value.excerpt) <= 4096  # characters: at most the 4 KiB of bytes


def test_a_missing_azcopy_raises_not_installed(work_dir):
    runner = azr.AzCopyRunner(from_env=False, azcopy_path="/nonexistent/azcopy",
                              work_dir=work_dir)
    with pytest.raises(azr.AzCopyNotInstalledError) as caught:
        runner.start_copy("/tmp/a", "https://a.blob.core.windows.net/c")
    assert caught.value.log_dir


def test_bad_requests_raise_before_anything_runs(fake_azcopy, work_dir):
    runner = make_runner(fake_azcopy, work_dir, "copy-run")
    with pytest.raises(azr.AzCopyStartError):
        runner.start_copy("/tmp/a", "https://a.blob.core.windows.net/c", overwrite="prompt")
    with pytest.raises(ValueError):
        runner.start_copy("/tmp/a", "https://a.blob.core.windows.net/c", output_type="xml")
    with pytest.raises(ValueError):
        azr.AzCopyRunner(from_env=False, work_dir=work_dir, poll_interval=-1)
    with pytest.raises(TypeError):
        azr.AzCopyRunner(from_env=False, work_dir=work_dir, poll_interval="5")


def test_azcopy_exiting_before_a_job_id_raises_start_error(fake_azcopy, work_dir):
    runner = make_runner(fake_azcopy, work_dir, "copy-exit")
    with pytest.raises(azr.AzCopyStartError) as caught:
        runner.start_copy("/tmp/a", "https://a.blob.core.windows.net/c?sv=1&" + SECRET)
    assert caught.value.excerpt
    assert SECRET not in str(caught.value) + caught.value.excerpt


def test_no_job_id_before_the_timeout_raises_job_id_not_found(fake_azcopy, work_dir):
    runner = make_runner(fake_azcopy, work_dir, "copy-no-jobid", start_timeout=1)
    with pytest.raises(azr.AzCopyJobIdNotFoundError) as caught:
        runner.start_copy("/tmp/a", "https://a.blob.core.windows.net/c")
    assert caught.value.log_dir


@pytest.fixture
def running_job(fake_azcopy, work_dir, job_id):
    """A copy-run job (the fake runs until stopped), cancelled at the end."""
    runner = make_runner(fake_azcopy, work_dir, "copy-run", poll_interval=0.2,
                         extra_env={"FAKE_AZCOPY_JOB_ID": job_id,
                                    "FAKE_AZCOPY_SHOW_MODE": "recorded-inprogress"})
    ref = runner.start_copy("/tmp/project", "https://a.blob.core.windows.net/c?sv=1&" + SECRET,
                            from_to="LocalBlob")
    yield runner, ref
    runner.cancel(ref.job_id, grace=2)


def test_start_copy_returns_the_job_ref_without_secrets(running_job, job_id):
    runner, ref = running_job
    assert ref.job_id == job_id
    assert ref.started_at.utcoffset() == datetime.timedelta(0)
    assert ref.command[1] == "copy"
    assert all(SECRET not in arg for arg in ref.command)
    assert SECRET not in ref.to_json()
    assert os.path.isdir(ref.log_dir)
    assert ref.pid > 0
    assert runner.poll(job_id).state in ("PENDING", "RUNNING")
    assert job_id in [record.ref.job_id for record in runner.list()]


def test_wait_times_out_with_the_partial_summary(running_job):
    runner, ref = running_job
    seen = []
    started = time.monotonic()
    with pytest.raises(azr.AzCopyNotFinishedError) as caught:
        runner.wait(ref.job_id, timeout=1, interval=0.2, on_progress=seen.append)
    assert 0.9 <= time.monotonic() - started < 10
    assert caught.value.partial_summary is not None
    assert caught.value.partial_summary.state in ("PENDING", "RUNNING")
    assert seen and all(isinstance(p, azr.AzCopyProgress) for p in seen)


def test_an_exception_of_the_progress_callback_stops_the_wait(running_job):
    runner, ref = running_job

    def on_progress(_progress):
        raise RuntimeError("the service's callback failed")

    with pytest.raises(RuntimeError, match="the service's callback failed"):
        runner.wait(ref.job_id, timeout=30, interval=0.2, on_progress=on_progress)
    assert runner.poll(ref.job_id).state in ("PENDING", "RUNNING")  # the job goes on


def test_ctrl_c_interrupts_wait_and_the_job_goes_on(running_job):
    runner, ref = running_job
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            runner.wait(ref.job_id, timeout=60, interval=0.2)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 5
    assert runner.poll(ref.job_id).state in ("PENDING", "RUNNING")


def test_the_gil_is_released_while_waiting(running_job):
    runner, ref = running_job
    samples = []
    stop = threading.Event()

    def count():
        n = 0
        while not stop.is_set():
            n += 1
            if n % 1000 == 0:
                samples.append(time.monotonic())

    thread = threading.Thread(target=count)
    thread.start()
    try:
        started = time.monotonic()
        with pytest.raises(azr.AzCopyNotFinishedError):
            runner.wait(ref.job_id, timeout=1, interval=0.5)
        ended = time.monotonic()
    finally:
        stop.set()
        thread.join()
    # Had the wait held the GIL, the other thread could not have run in its middle.
    middle = [t for t in samples if started + 0.3 < t < ended - 0.3]
    assert len(middle) > 10, (len(samples), len(middle))


def test_cancel_ends_the_job(fake_azcopy, work_dir, job_id):
    runner = make_runner(fake_azcopy, work_dir, "copy-run",
                         extra_env={"FAKE_AZCOPY_JOB_ID": job_id,
                                    "FAKE_AZCOPY_SHOW_MODE": "recorded-cancelled_from_json"})
    ref = runner.start_copy("/tmp/project", "https://a.blob.core.windows.net/c",
                            from_to="LocalBlob")
    final = runner.cancel(ref.job_id, grace=datetime.timedelta(seconds=2))
    assert azr.is_terminal(final.state)
    with pytest.raises(ValueError):
        runner.prune(-1)
    pruned = runner.prune(0)
    assert ref.job_id in pruned.removed_jobs
    assert ref.job_id not in [record.ref.job_id for record in runner.list()]


def test_remove_of_a_live_job_is_refused(running_job):
    runner, ref = running_job
    with pytest.raises(azr.AzCopyNotFinishedError):
        runner.remove(ref.job_id)


def test_configuration_from_the_environment_and_keywords(monkeypatch, work_dir):
    monkeypatch.setenv("AZCOPY_PATH", "/opt/azcopy/azcopy")
    monkeypatch.setenv("AZCOPY_WORK_DIR", work_dir)
    monkeypatch.setenv("AZCOPY_POLL_INTERVAL_SECONDS", "7")
    runner = azr.AzCopyRunner()
    assert runner.config["azcopy_path"] == "/opt/azcopy/azcopy"
    assert runner.config["work_dir"] == work_dir
    assert runner.config["poll_interval"] == 7.0
    tuned = azr.AzCopyRunner(poll_interval=datetime.timedelta(milliseconds=250),
                             extra_env={"AZCOPY_CONCURRENCY_VALUE": "16"})
    assert tuned.config["azcopy_path"] == "/opt/azcopy/azcopy"
    assert tuned.config["poll_interval"] == 0.25
    assert tuned.config["extra_env_names"] == ["AZCOPY_CONCURRENCY_VALUE"]
    plain = azr.AzCopyRunner(from_env=False, work_dir=work_dir)
    assert plain.config["azcopy_path"] == "azcopy"


@pytest.mark.parametrize("name", [None, "service.copies"])
def test_the_runner_logs_into_python_logging_without_secrets(fake_azcopy, work_dir, job_id,
                                                             caplog, name):
    logger_name = name or "azcopy_runner"
    caplog.set_level(logging.INFO, logger=logger_name)
    runner = make_runner(fake_azcopy, work_dir, "copy-run",
                         logger=logging.getLogger(name) if name else None,
                         extra_env={"FAKE_AZCOPY_JOB_ID": job_id})
    ref = runner.start_copy("/tmp/project", "https://a.blob.core.windows.net/c?sv=1&" + SECRET,
                            from_to="LocalBlob")
    runner.cancel(ref.job_id, grace=2)
    messages = [r.getMessage() for r in caplog.records if r.name == logger_name]
    assert any(job_id in m and "started" in m for m in messages), messages
    assert any("blob.core.windows.net" in m for m in messages), messages
    assert not any(SECRET in m or "PYTHONSECRET" in m for m in messages), messages
