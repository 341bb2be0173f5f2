"""A 20,000-record file (ten batches of the ФЛК) with one broken record: that case is rejected on
ФЛК, the 19,999 others are accepted, and nothing outside the file changes.  The only big test of
tests/hostile (the speed of big files is measured by ``make bench``, not here)."""

from __future__ import annotations

import datetime as dt
import time
import zipfile

from app.demo.files import write_archive
from app.models.intake import MedicalCase
from app.models.vocabulary import CaseStatus, FileStatus
from tests.intake.helpers import (
    Pair,
    case_statuses,
    change_record,
    element_text,
    errors_of,
    unchanged_elsewhere,
    work_dir,
)

CASES = 20_000
BROKEN = 13_337


def test_one_broken_record_among_20000(intake, tmp_path):
    # persons of the demo ЕРЗ that no other test file uses (of the last 5,000 of the 30,000): the
    # later stages (ЕРЗ, МЭК duplicates against earlier files of the МО, whatever their period)
    # have no reason to refuse any of the 19,999 good cases
    period = dt.date.today().replace(day=1) - dt.timedelta(days=100)
    demo = write_archive(
        tmp_path / "src",
        cases=CASES,
        number=50,
        seed=50,
        persons=5000,
        first_person=25_001,
        year=period.year,
        month=period.month,
    )
    with zipfile.ZipFile(demo.path) as zf:
        pair = Pair(
            f"{demo.h_name}.xml",
            f"{demo.l_name}.xml",
            zf.read(f"{demo.h_name}.xml"),
            zf.read(f"{demo.l_name}.xml"),
            demo,
        )
    good_date = element_text(pair.h, BROKEN, "DATE_Z_1")
    # a date that is no date: a structural error (903) of this record only
    broken = pair.with_h(
        change_record(pair.h, BROKEN, f"<DATE_Z_1>{good_date}</DATE_Z_1>", "<DATE_Z_1>2026-13-45</DATE_Z_1>")
    )

    started = time.monotonic()
    with unchanged_elsewhere() as new:
        row = intake.upload_pair(broken)
    spent = time.monotonic() - started
    assert new == [row.id]
    assert row.status == FileStatus.DONE, row.note
    assert (row.records, row.flk_rejected) == (CASES, 1)
    assert case_statuses(row.id) == {CaseStatus.ACCEPTED: CASES - 1, CaseStatus.FLK_REJECTED: 1}
    errors = errors_of(row.id)
    assert errors and row.flk_errors == len(errors)
    assert {(e.n_zap, e.idcase) for e in errors} == {(str(BROKEN), str(BROKEN))}
    assert "903" in {e.code for e in errors}
    assert "2026-13-45" in {e.value for e in errors}
    from app.extensions import db

    rejected = db.session.query(MedicalCase).filter_by(file_id=row.id, status=CaseStatus.FLK_REJECTED).one()
    assert (rejected.n_zap, rejected.idcase, rejected.flk_errors) == (str(BROKEN), str(BROKEN), len(errors))
    assert not work_dir(row.id).exists()
    print(f"\n20,000 records loaded in {spent:.1f} s")
    intake.valid_load()  # and the next file loads
