"""Type stubs of the azcopy_runner module (pybind11 binding of the C++ library azcopy-runner)."""

import datetime
import logging
from typing import Any, Callable, Dict, FrozenSet, List, Literal, Optional, Tuple, Union

__version__: str

State = Literal["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELED", "UNKNOWN"]
Seconds = Union[int, float, datetime.timedelta]

STATES: Tuple[str, ...]
TERMINAL_STATES: FrozenSet[str]

def map_azcopy_status(status: str) -> State: ...
def is_terminal(state: str) -> bool: ...

class FailedFile:
    source: str
    destination: str
    error_code: str
    transfer_status: str
    size: int
    reason: str
    http_status: int
    service_code: str

class FailureCause:
    count: int
    http_status: int
    service_code: str
    message: str
    side: str
    first_at: Optional[datetime.datetime]

class DirectoryCounts:
    made: int
    skipped: int
    failed: int

class AzCopyJobRef:
    job_id: str
    started_at: datetime.datetime
    command: List[str]
    environment: Dict[str, str]
    log_dir: str
    azcopy_log_file: str
    pid: int
    def to_dict(self) -> Dict[str, Any]: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> "AzCopyJobRef": ...

class AzCopyProgress:
    job_id: str
    state: State
    last_updated_at: Optional[datetime.datetime]
    raw_status: str
    files_transferred: int
    files_total: int
    total_transfers: int
    bytes_transferred: int
    bytes_expected: int
    failed_transfers: int
    skipped_transfers: int
    percent_complete: float
    reason: str
    resumable: bool
    def to_dict(self) -> Dict[str, Any]: ...
    def to_json(self) -> str: ...

class AzCopySummary:
    job_id: str
    state: State
    raw_status: str
    files_transferred: int
    bytes_transferred: int
    failed_transfers: int
    skipped_transfers: int
    total_transfers: int
    files_total: int
    bytes_expected: int
    percent_complete: float
    warnings: int
    errors: int
    started_at: Optional[datetime.datetime]
    finished_at: Optional[datetime.datetime]
    raw_summary: Union[Dict[str, Any], str]
    failed_files: List[FailedFile]
    failed_files_omitted: int
    messages: List[str]
    empty_folders_not_processed: bool
    failure_reason: str
    failure_causes: List[FailureCause]
    directories: Optional[DirectoryCounts]
    def to_dict(self) -> Dict[str, Any]: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> "AzCopySummary": ...

class JobRecord:
    ref: AzCopyJobRef
    last_state: State
    summary: Optional[AzCopySummary]

class PruneResult:
    removed_jobs: List[str]
    removed_paths: List[str]

class AzCopyError(Exception):
    job_id: str
    log_dir: str
    excerpt: str

class AzCopyNotInstalledError(AzCopyError): ...
class AzCopyStartError(AzCopyError): ...

class AzCopySasExpiredError(AzCopyStartError):
    side: str
    expires_at: Optional[datetime.datetime]

class AzCopyJobIdNotFoundError(AzCopyError): ...
class AzCopyJobNotFoundError(AzCopyError): ...
class AzCopyParseError(AzCopyError): ...

class AzCopyNotFinishedError(AzCopyError):
    partial_summary: Optional[AzCopySummary]

class AzCopyRunner:
    def __init__(
        self,
        *,
        from_env: bool = True,
        azcopy_path: Optional[str] = None,
        work_dir: Optional[str] = None,
        log_dir: Optional[str] = None,
        poll_interval: Optional[Seconds] = None,
        default_log_level: Optional[str] = None,
        start_timeout: Optional[Seconds] = None,
        command_timeout: Optional[Seconds] = None,
        min_sas_validity: Optional[Seconds] = None,
        poll_from_output: Optional[bool] = None,
        extra_env: Optional[Dict[str, str]] = None,
        logger: Optional[logging.Logger] = None,
    ) -> None: ...
    def start_copy(
        self,
        source_uri: str,
        dest_uri: str,
        *,
        recursive: bool = True,
        overwrite: str = "true",
        from_to: Optional[str] = None,
        log_level: str = "INFO",
        output_type: Literal["json", "text"] = "json",
        extra_args: List[str] = [],
        keep_directories: bool = False,
    ) -> AzCopyJobRef: ...
    def poll(self, job_id: str) -> AzCopyProgress: ...
    def get_summary(self, job_id: str) -> AzCopySummary: ...
    def wait(
        self,
        job_id: str,
        *,
        timeout: Optional[Seconds] = None,
        interval: Optional[Seconds] = None,
        on_progress: Optional[Callable[[AzCopyProgress], None]] = None,
    ) -> AzCopySummary: ...
    def cancel(self, job_id: str, *, grace: Seconds = 10) -> AzCopyProgress: ...
    def resume(
        self, job_id: str, *, source_sas: str = "", destination_sas: str = ""
    ) -> AzCopyJobRef: ...
    def list(self) -> List[JobRecord]: ...
    def remove(self, job_id: str) -> None: ...
    def prune(self, older_than: Seconds) -> PruneResult: ...
    def azcopy_version(self) -> str: ...
    @property
    def config(self) -> Dict[str, Any]: ...
    @staticmethod
    def build_copy_args(
        source_uri: str,
        dest_uri: str,
        *,
        recursive: bool = True,
        overwrite: str = "true",
        from_to: Optional[str] = None,
        log_level: str = "INFO",
        output_type: Literal["json", "text"] = "json",
        extra_args: List[str] = [],
        keep_directories: bool = False,
    ) -> List[str]: ...
