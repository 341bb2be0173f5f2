"""Which queue a load goes to, and the command line's loads that are never cut into chunks."""

from __future__ import annotations

import zipfile

from sqlalchemy import func, select

from app.extensions import db
from app.jobs.runtime import DEFAULT_QUEUE, SMALL_LOADS_QUEUE, WORKER_QUEUES
from app.models.intake import UploadedFile
from app.models.job import BackgroundJob
from app.models.vocabulary import FileStatus
from app.services.intake.pipeline import load_file
from app.services.intake.uploads import IncomingArchive, accept_archives, load_queue
from tests.intake.helpers import MO1, demo_pair, user


def test_a_small_archive_goes_first_a_big_one_after(intake, app, tmp_path):
    archive = demo_pair(tmp_path, cases=30, mo=MO1).zip(tmp_path / "q")
    with zipfile.ZipFile(archive) as zf:
        size = sum(i.file_size for i in zf.infolist())  # the content, unpacked
    app.config["LOAD_SMALL_FILE_BYTES"] = size
    assert load_queue(str(archive)) == SMALL_LOADS_QUEUE
    app.config["LOAD_SMALL_FILE_BYTES"] = size - 1
    assert load_queue(str(archive)) == DEFAULT_QUEUE
    app.config["LOAD_SMALL_FILE_BYTES"] = 4 * 1024 * 1024
    assert load_queue(str(tmp_path / "missing.zip")) == DEFAULT_QUEUE  # the load says what is wrong
    # the worker looks at the small files first and at the parts of big ones last
    assert WORKER_QUEUES[0] == SMALL_LOADS_QUEUE and WORKER_QUEUES[-1] == "intake-chunks"


def test_the_command_line_loads_a_file_whole(intake, app, tmp_path):
    pair = demo_pair(tmp_path, cases=12, mo=MO1)
    app.config["LOAD_CHUNK_RECORDS"] = 3
    try:
        parts = select(func.count()).where(BackgroundJob.func == "app.jobs.intake_jobs.load_chunk")
        before = db.session.scalar(parts)
        with open(pair.zip(tmp_path / "cli"), "rb") as fh:
            [row] = accept_archives(user("mo1_operator"), [IncomingArchive("cli.zip", fh)], run_job=False)
        result = load_file(row.id, in_parts=False)
        assert result["status"] == FileStatus.DONE and result["records"] == 12, result
        assert db.session.scalar(parts) == before
        assert db.session.get(UploadedFile, row.id).chunks_left is None
    finally:
        app.config["LOAD_CHUNK_RECORDS"] = 0
