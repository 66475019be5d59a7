"""pytest set-up of the azcopy_runner module's tests.

CTest runs them (python/tests in tests/CMakeLists.txt) with PYTHONPATH holding the built module
and AZCOPY_RUNNER_FAKE_AZCOPY naming tests/fakes/fake-azcopy. A run in which any test skipped
exits 77, which CTest reports as skipped: a skip is never counted as a pass.
"""
import os
import uuid

import pytest

SKIP_EXIT_CODE = 77


class _SkipCounter:
    """Counts skipped tests; turns a passing run with skips into exit status 77."""

    def __init__(self):
        self.skipped = 0

    def pytest_runtest_logreport(self, report):
        if report.skipped:
            self.skipped += 1

    def pytest_sessionfinish(self, session, exitstatus):
        if exitstatus == 0 and self.skipped:
            session.exitstatus = SKIP_EXIT_CODE


def pytest_configure(config):
    config.pluginmanager.register(_SkipCounter(), "azcopy-runner-skip-counter")


@pytest.fixture
def fake_azcopy():
    path = os.environ.get("AZCOPY_RUNNER_FAKE_AZCOPY", "")
    if not path:
        pytest.fail("AZCOPY_RUNNER_FAKE_AZCOPY is not set (run the tests through CTest)")
    return path


@pytest.fixture
def work_dir(tmp_path):
    path = tmp_path / "azcopy"
    path.mkdir(mode=0o700)
    return str(path)


@pytest.fixture
def job_id():
    return str(uuid.uuid4())
