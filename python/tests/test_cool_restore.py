"""COOL then RESTORE through the module with real AzCopy, on the local storage of
scripts/storage.sh (Azurite behind the from-URL proxy, the Azure Files test server), verified as
the service verifies them; and the README's Python example, run as it is printed.

Needs the environment scripts/test.sh gives (AZCOPY_RUNNER_TEST_*): without it these tests skip
(and the run exits 77, a skip for CTest; under CI, scripts/test.sh fails a skip).
"""
import filecmp
import os
import re
import shutil
import subprocess
import sys
import uuid

import pytest

import azcopy_runner as azr

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NEEDED = ("AZCOPY_RUNNER_TEST_AZCOPY", "AZCOPY_RUNNER_TEST_FILE_ENDPOINT",
          "AZCOPY_RUNNER_TEST_FILES_DIR", "AZCOPY_RUNNER_TEST_BLOB_ENDPOINT",
          "AZCOPY_RUNNER_TEST_AZURITE_CTL")
sys.path.insert(0, os.path.join(ROOT, "examples", "python"))
import cool_restore  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture
def storage(tmp_path, monkeypatch):
    """The local storage's endpoints, an account SAS, a fresh share, restore share and
    container, and the runner's environment (AZCOPY_PATH, AZCOPY_WORK_DIR)."""
    missing = [name for name in NEEDED if not os.environ.get(name)]
    if missing:
        pytest.skip(f"local storage environment missing ({', '.join(missing)}): "
                    "run scripts/test.sh")
    env = {name: os.environ[name] for name in NEEDED}
    tag = uuid.uuid4().hex[:8]
    names = {"share": f"share-{tag}", "restore_share": f"restore-{tag}",
             "container": f"cool-{tag}"}
    files_dir = env["AZCOPY_RUNNER_TEST_FILES_DIR"]
    subprocess.run([sys.executable, env["AZCOPY_RUNNER_TEST_AZURITE_CTL"], "--endpoint",
                    env["AZCOPY_RUNNER_TEST_BLOB_ENDPOINT"], "mkcontainer", names["container"]],
                   check=True, stdout=subprocess.DEVNULL)
    sas = subprocess.run([sys.executable, os.path.join(ROOT, "emulators", "files", "sas.py"),
                          "account"], check=True, capture_output=True, text=True).stdout.strip()
    os.mkdir(os.path.join(files_dir, names["restore_share"]))
    work = tmp_path / "azcopy"
    work.mkdir(mode=0o700)
    monkeypatch.setenv("AZCOPY_PATH", env["AZCOPY_RUNNER_TEST_AZCOPY"])
    monkeypatch.setenv("AZCOPY_WORK_DIR", str(work))
    yield {"file": env["AZCOPY_RUNNER_TEST_FILE_ENDPOINT"],
           "blob": env["AZCOPY_RUNNER_TEST_BLOB_ENDPOINT"], "files_dir": files_dir, "sas": sas,
           "work": str(work), **names}
    for share in (names["share"], names["restore_share"]):
        shutil.rmtree(os.path.join(files_dir, share), ignore_errors=True)


def make_project(root):
    """Nested folders, a name with a space, empty directories, files of 1 KB to 1.5 MB."""
    os.makedirs(os.path.join(root, "raw", "run 1"))
    os.makedirs(os.path.join(root, "processed"))
    os.makedirs(os.path.join(root, "empty dir", "empty inside"))
    for i in range(1, 6):
        with open(os.path.join(root, "raw", "run 1", f"frame-{i}.bin"), "wb") as f:
            f.write(os.urandom(i * 300_000))
    for i in range(1, 4):
        with open(os.path.join(root, "processed", f"result-{i}.csv"), "wb") as f:
            f.write(os.urandom(i * 1000))


def assert_same_tree(left, right):
    """Every directory and file of one tree in the other, each file byte for byte."""
    compared = filecmp.dircmp(left, right)
    assert not compared.left_only and not compared.right_only, (compared.left_only,
                                                                compared.right_only)
    _, mismatch, errors = filecmp.cmpfiles(left, right, compared.common_files, shallow=False)
    assert not mismatch and not errors, (mismatch, errors)
    for sub in compared.common_dirs:
        assert_same_tree(os.path.join(left, sub), os.path.join(right, sub))


def signature_of(sas):
    return re.search(r"sig=([^&]+)", sas).group(1)


def without_signature(text, sas):
    """TEXT with the SAS's signature masked: what a failed assertion may print."""
    return text.replace(signature_of(sas), "<signature>")


def assert_no_signature_written(directory, sas):
    """No file the runner manages (its records, AzCopy's outputs, logs, plans) holds the SAS.
    Each check is a plain bool: pytest prints no content and no signature when one fails."""
    signature = signature_of(sas).encode()
    checked = 0
    for here, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(here, name)
            if not os.path.isfile(path) or os.path.islink(path):
                continue  # the jobs' stdin FIFOs
            with open(path, "rb") as f:
                leaked = signature in f.read()
            assert not leaked, f"{path} holds the SAS signature"
            checked += 1
    assert checked > 0


def test_cool_then_restore_is_exact(storage, capsys):
    project = os.path.join(storage["files_dir"], storage["share"], "project-42")
    make_project(project)
    status = cool_restore.main([storage["file"], storage["share"], "project-42", storage["blob"],
                                storage["container"], storage["restore_share"], storage["sas"],
                                project])
    printed = capsys.readouterr().out
    leaked = signature_of(storage["sas"]) in printed
    assert not leaked, "the example printed the SAS signature"
    printed = without_signature(printed, storage["sas"])
    assert status == 0, printed
    assert "COOL: verified (8 files" in printed
    assert "RESTORE: verified (8 files" in printed
    restored = os.path.join(storage["files_dir"], storage["restore_share"], "project-42")
    assert_same_tree(project, restored)
    assert os.path.isdir(os.path.join(restored, "empty dir", "empty inside"))
    runner = azr.AzCopyRunner()
    records = runner.list()
    assert [r.last_state for r in records] == ["SUCCEEDED", "SUCCEEDED"]
    assert all(r.summary is not None and r.summary.files_transferred == 8 for r in records)
    assert_no_signature_written(storage["work"], storage["sas"])


def readme_python_example():
    """The first ```python block of the README's Python section."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    section = readme[readme.index("\n## Python"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_python_example_runs_as_shown(storage):
    project = os.path.join(storage["files_dir"], storage["share"], "project-7")
    make_project(project)
    saved = []
    names = {
        "source_url": f"{storage['file']}/{storage['share']}/project-7/*?{storage['sas']}",
        "dest_url": f"{storage['blob']}/{storage['container']}/project-7?{storage['sas']}",
        "expected_files": 8,
        "save_job_id": saved.append,
    }
    exec(compile(readme_python_example(), "README.md", "exec"), names)  # pylint: disable=exec-used
    assert saved and saved[0] == names["summary"].job_id
    assert names["summary"].state == "SUCCEEDED"
    assert names["summary"].files_transferred == 8
