"""The same archive uploaded twice: refused while a file of that name is still loading (a row
in a loading status stands for the running load), accepted again once it has finished."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import current_app

from app.extensions import db
from app.models.intake import UploadedFile
from app.models.vocabulary import FILE_ERRORS, FILE_LOADING, FileStatus
from app.services.intake.uploads import IncomingArchive, PartialUpload, UploadRefused, accept_archives
from tests.factories import org_by_code
from tests.intake.helpers import (
    MO1,
    MO2,
    assert_all_rejected,
    assert_done,
    demo_pair,
    fresh,
    set_text,
    snapshot,
    unchanged_elsewhere,
    user,
    with_case_error,
)


def refusal(name: str) -> str:
    return f"Архив «{name}» еще загружается. Дождитесь окончания загрузки и повторите попытку"


@contextmanager
def loading_row(name: str, status: str = FileStatus.FLK, mo: str = MO1):
    """A row of this organisation in a loading status: a load of ``name`` is running."""
    row = UploadedFile(
        organisation_id=org_by_code(mo).id, uploaded_by_id=user("mo1_operator").id, archive_name=name, status=status
    )
    db.session.add(row)
    db.session.commit()
    try:
        yield row
    finally:
        db.session.query(UploadedFile).filter_by(id=row.id).delete()
        db.session.commit()


def stored_archives() -> set[str]:
    folder = Path(current_app.config["DATA_DIR"]) / "uploads"
    return set(os.listdir(folder)) if folder.is_dir() else set()


@pytest.mark.parametrize("status", FILE_LOADING)
def test_second_upload_while_loading_is_refused_then_loads_after(intake, tmp_path, status):
    pair = demo_pair(tmp_path)
    archive = pair.zip(tmp_path)
    first = intake.upload(archive)
    assert_done(first, 5)

    with loading_row(pair.archive_name, status) as running:
        before, files = snapshot(), stored_archives()
        with pytest.raises(UploadRefused) as refused:
            intake.upload(archive)
        assert type(refused.value) is UploadRefused
        assert str(refused.value) == refusal(pair.archive_name)
        assert snapshot() == before  # no row, no case, nothing changed
        assert stored_archives() == files  # the archive was not even stored
        assert fresh(running.id).status == status  # the running load is left alone
        db.session.query(UploadedFile).filter_by(id=running.id).update({"status": FileStatus.DONE})
        db.session.commit()
        # finished: the same archive loads again (its cases take the place of the first file's
        # versions — the re-upload rule — so only the first file may change besides the new one)
        with unchanged_elsewhere(exclude=[first.id]) as new:
            second = intake.upload(archive)
        assert new == [second.id] and second.id != first.id
        assert_done(second, 5)
    first = fresh(first.id)
    assert (first.status, first.note) == (FileStatus.DONE, None)


@pytest.mark.parametrize("status", FILE_ERRORS)
def test_a_failed_file_of_the_same_name_does_not_block(intake, tmp_path, status):
    pair = demo_pair(tmp_path)
    with loading_row(pair.archive_name, status):
        assert_done(intake.upload_pair(pair), 5)


def test_another_organisations_load_of_the_same_name_does_not_block(intake, tmp_path):
    pair = demo_pair(tmp_path)
    with loading_row(pair.archive_name, mo=MO2):
        assert_done(intake.upload_pair(pair), 5)


def test_refusal_of_one_archive_keeps_the_others(intake, tmp_path):
    """Several archives at once: the one still loading is refused, the others are loaded."""
    busy, free = demo_pair(tmp_path), demo_pair(tmp_path)
    busy_path, free_path = busy.zip(tmp_path), free.zip(tmp_path)
    with loading_row(busy.archive_name):
        with open(busy_path, "rb") as a, open(free_path, "rb") as b:
            with pytest.raises(PartialUpload) as partial:
                accept_archives(
                    user("mo1_operator"), [IncomingArchive(busy_path.name, a), IncomingArchive(free_path.name, b)]
                )
    assert str(partial.value) == refusal(busy.archive_name)
    [row] = partial.value.rows
    row = fresh(row.id)
    assert row.archive_name == free.archive_name
    assert_done(row, 5)


@pytest.mark.parametrize("defect", ["SD_Z wrong", "truncated", "every case rejected"])
def test_a_rejected_reupload_leaves_the_earlier_file_alone(intake, tmp_path, defect):
    """A corrected file replaces the earlier versions of its cases (the re-upload rule); a file
    that ends in an error status — here every case rejected on ФЛК — replaces nothing."""
    pair = demo_pair(tmp_path)
    first = intake.upload_pair(pair)
    assert_done(first, 5)
    if defect == "SD_Z wrong":
        bad = pair.with_h(set_text(pair.h, "SD_Z", "6"))
    elif defect == "truncated":
        bad = pair.with_h(pair.h[: int(len(pair.h) * 0.8)])
    else:
        bad = pair
        for n in range(1, 6):
            bad = bad.with_h(with_case_error(bad.h, n))
    with unchanged_elsewhere() as new:
        row = intake.upload(bad.zip(tmp_path / "again"))
    assert new == [row.id]
    assert_all_rejected(row)
    assert_done(fresh(first.id), 5)


def test_a_reupload_failing_after_the_flk_leaves_the_earlier_file_alone(intake, tmp_path, monkeypatch):
    from app.models.vocabulary import FileStatus
    from app.services.intake import pipeline as intake_pipeline

    pair = demo_pair(tmp_path)
    first = intake.upload_pair(pair)
    assert_done(first, 5)

    def crashing_stage(load):  # a control of a later stage crashes
        raise RuntimeError("тестовый сбой этапа после ФЛК")

    *before, last = intake_pipeline.STAGES  # the crash comes before the versions are resolved
    monkeypatch.setattr(
        intake_pipeline,
        "STAGES",
        (*before, intake_pipeline.Stage("crash", FileStatus.RECALC, 99, 0, crashing_stage), last),
    )
    with unchanged_elsewhere() as new:
        row = intake.upload(pair.zip(tmp_path / "again"))
        assert row.status == FileStatus.ERR_VALIDATION and "тестовый сбой" in row.note
    assert new == [row.id]
