#!/usr/bin/env python3
"""COOL then RESTORE from Python, as examples/cool_restore.cpp does from C++: start each copy,
wait with a progress callback, then compare the summary with the figures computed from the
service's own inventory of the project (files, bytes, directories). Any mismatch is a failure.
Both copies keep the directories (keep_directories): the COOL writes a directory stub for each
directory, the RESTORE makes them back, empty ones included.

    cool_restore.py FILE_ENDPOINT SHARE PROJECT BLOB_ENDPOINT CONTAINER RESTORE_SHARE SAS PROJECT_DIR

  COOL:    <FILE_ENDPOINT>/<SHARE>/<PROJECT>/*?<SAS>  ->  <BLOB_ENDPOINT>/<CONTAINER>/<PROJECT>?<SAS>
           from_to="FileBlob"
  RESTORE: <BLOB_ENDPOINT>/<CONTAINER>/<PROJECT>?<SAS>  ->  <FILE_ENDPOINT>/<RESTORE_SHARE>?<SAS>
           from_to="BlobFile", overwrite="ifSourceNewer" (makes <RESTORE_SHARE>/<PROJECT>/...)

SAS is an account SAS valid on both services (ss=bf). PROJECT_DIR is the project's tree as the
service knows it (here read from disk). The runner reads AZCOPY_PATH, AZCOPY_WORK_DIR, ... from
the environment. Nothing printed contains the SAS. Exit status 0 when both copies are verified.
"""
import os
import sys

import azcopy_runner


def inventory(root):
    """What a copy of the project must transfer: files, bytes, directories (empty ones too)."""
    files = size = dirs = empty = 0
    for here, subdirs, names in os.walk(root):
        for name in names:
            files += 1
            size += os.path.getsize(os.path.join(here, name))
        dirs += len(subdirs)
        if here != root and not subdirs and not names:
            empty += 1
    return {"files": files, "bytes": size, "dirs": dirs, "empty_dirs": empty}


def run_and_verify(runner, name, source, destination, expected, **options):
    """Runs one copy to its end; True when its summary matches the inventory."""
    job = runner.start_copy(source, destination, keep_directories=True, **options)
    print(f"{name}: job {job.job_id} (command: {' '.join(job.command)})")  # redacted: no SAS

    def progress(p):
        print(f"  {name} {p.state} {p.files_transferred}/{p.files_total} files, "
              f"{p.bytes_transferred}/{p.bytes_expected} bytes")

    s = runner.wait(job.job_id, timeout=2 * 3600, interval=0.5, on_progress=progress)
    made = s.directories.made if s.directories is not None else -1
    problems = []
    if s.state != "SUCCEEDED":
        problems.append(f"job ended {s.state} ({s.raw_status}): {s.failure_reason}")
    if s.files_transferred != expected["files"]:
        problems.append(f"{s.files_transferred} files transferred, expected {expected['files']}")
    if s.bytes_transferred != expected["bytes"]:
        problems.append(f"{s.bytes_transferred} bytes transferred, expected {expected['bytes']}")
    if s.failed_transfers != 0:
        problems.append(f"{s.failed_transfers} failed transfers")
    if made != expected["dirs"]:
        problems.append(f"{made} directories made, expected {expected['dirs']}")
    for problem in problems:
        print(f"{name}: {problem}")
    verdict = "verified" if not problems else "VERIFICATION FAILED"
    print(f"{name}: {verdict} ({s.files_transferred} files, {s.bytes_transferred} bytes, "
          f"{made} directories)")
    return not problems


def main(argv):
    if len(argv) != 8:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    file_endpoint, share, project, blob_endpoint, container, restore_share, sas, project_dir = argv
    try:
        runner = azcopy_runner.AzCopyRunner()
        expected = inventory(project_dir)
        print(f"project {project}: {expected['files']} files, {expected['bytes']} bytes, "
              f"{expected['dirs']} directories ({expected['empty_dirs']} empty)")
        blob_project = f"{blob_endpoint}/{container}/{project}?{sas}"
        cooled = run_and_verify(runner, "COOL", f"{file_endpoint}/{share}/{project}/*?{sas}",
                                blob_project, expected, from_to="FileBlob", overwrite="true")
        # Only a verified COOL is restored: the service never restores what it could not check.
        restored = cooled and run_and_verify(
            runner, "RESTORE", blob_project, f"{file_endpoint}/{restore_share}?{sas}", expected,
            from_to="BlobFile", overwrite="ifSourceNewer")
    except azcopy_runner.AzCopyError as e:
        print(f"{type(e).__name__}: {e} (job {e.job_id or '-'}, logs {e.log_dir})\n{e.excerpt}",
              file=sys.stderr)
        return 1
    return 0 if cooled and restored else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
