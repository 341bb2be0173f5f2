"""A load cut into chunks gives what a load in one job gives (issue 19): one file with errors of
every kind — of records, of persons in the L file, of the file totals across chunks (an IDCASE twice,
far apart), of the МЭК and of the recalculation — loaded with chunks of 1 and 7 records and in one
job: the same case statuses and sums, the same errors in the same order, the same FLK_P bytes, the
same counts.  A fatal error met in any chunk (the cases file breaks off in the middle, SD_Z and
SUMMAV not those of the records) ends the file exactly as in one job."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.intake import ControlError, LoadChunk, MedicalCase, Patient
from app.models.job import BackgroundJob
from app.models.vocabulary import FileStatus
from app.services.intake.file_data import delete_file_data
from app.services.intake.reports import write_protocol_xml
from tests.intake.helpers import MO1, change_record, demo_pair, element_text, record_span, set_text, user

CASES = 40
SIZES = (0, 1, 7)  # 0: the whole file in the load's own job

CASE_COLUMNS = (
    "n_zap",
    "idcase",
    "status",
    "flk_errors",
    "erz_found_by",
    "policy_check",
    "payer_id",
    "sumv",
    "sum_calc",
    "calc_detail",
    "mek_withheld",
    "sump",
)
ERROR_COLUMNS = tuple(c.name for c in ControlError.__table__.columns if c.name not in ("id", "file_id", "case_id"))


def _pair(tmp_path, variant: str):
    pair = demo_pair(tmp_path / variant, cases=CASES, mo=MO1, error_rate=0.3, persons=25)
    h = pair.h
    # the same IDCASE in record 3 and record 38 (another chunk): the file totals, fed in file order
    first, last = element_text(h, 3, "IDCASE"), element_text(h, 38, "IDCASE")
    h = change_record(h, 38, f"<IDCASE>{last}</IDCASE>", f"<IDCASE>{first}</IDCASE>")
    if variant == "broken":  # the cases file breaks off inside record 30
        start, end = record_span(h, 30)
        h = h[: (start + end) // 2]
    elif variant == "totals":  # SD_Z and SUMMAV say other than the records
        h = set_text(set_text(h, "SD_Z", str(CASES + 3)), "SUMMAV", "1.00")
    return pair.with_h(h)


def _load(intake, app, pair, size: int):
    app.config["LOAD_CHUNK_RECORDS"] = size
    before = db.session.scalar(select(func.count()).select_from(BackgroundJob))
    row = intake.upload_pair(pair)
    parts = db.session.scalar(
        select(func.count()).select_from(BackgroundJob).where(BackgroundJob.func == "app.jobs.intake_jobs.load_chunk")
    )
    jobs = db.session.scalar(select(func.count()).select_from(BackgroundJob)) - before
    return row, jobs, parts


def _fingerprint(row) -> dict:
    cases = db.session.execute(
        select(MedicalCase.id, *(getattr(MedicalCase, c) for c in CASE_COLUMNS), Patient.id_pac)
        .outerjoin(Patient, Patient.id == MedicalCase.patient_id)
        .where(MedicalCase.file_id == row.id)
        .order_by(MedicalCase.id)
    ).all()
    position = {c.id: i for i, c in enumerate(cases)}
    errors = db.session.execute(
        select(ControlError.case_id, *(getattr(ControlError, c) for c in ERROR_COLUMNS))
        .where(ControlError.file_id == row.id)
        .order_by(ControlError.id)
    ).all()
    flk_p = write_protocol_xml(row)
    try:
        protocol = flk_p.read_bytes()
    finally:
        flk_p.unlink()
    counts = {
        c: getattr(row, c)
        for c in (
            "status",
            "note",
            "progress",
            "records",
            "flk_rejected",
            "flk_errors",
            "mek_rejected",
            "mek_errors",
            "new_count",
            "updated_count",
            "unchanged_count",
            "skipped_count",
            "chunks_left",
        )
    }
    return dict(
        counts=counts,
        cases=[tuple(c)[1:] for c in cases],
        errors=[(position.get(e.case_id),) + tuple(e)[1:] for e in errors],
        protocol=protocol,
    )


@pytest.mark.parametrize("variant", ["errors", "broken", "totals"])
def test_the_split_changes_nothing(intake, app, tmp_path, variant):
    pair = _pair(tmp_path, variant)
    seen = {}
    try:
        for size in SIZES:
            row, jobs, parts = _load(intake, app, pair, size)
            seen[size] = _fingerprint(row)
            left = select(func.count()).select_from(LoadChunk).where(LoadChunk.file_id == row.id)
            assert db.session.scalar(left) == 0, "the parts of a load that ended stay"
            if size:
                assert parts > 0, "the load was not cut into chunks"
            assert delete_file_data(user("mo1_operator"), row.id).ok
    finally:
        app.config["LOAD_CHUNK_RECORDS"] = 0
    whole = seen[0]
    if variant == "errors":
        counts = whole["counts"]
        assert counts["status"] == FileStatus.DONE, counts
        assert counts["flk_rejected"] > 0 and counts["flk_errors"] > 0, counts
        assert counts["mek_errors"] > 0, counts
        code = 1 + ERROR_COLUMNS.index("code")
        assert any(e[code] == "002F.14.0050" for e in whole["errors"]), "no duplicate IDCASE found"
    else:
        assert whole["counts"]["status"] == FileStatus.ERR_ERZ, whole["counts"]
        assert whole["counts"]["flk_rejected"] == whole["counts"]["records"] > 0
    for size in SIZES[1:]:
        for key in ("counts", "cases", "errors", "protocol"):
            assert seen[size][key] == whole[key], f"chunks of {size}: {key} differ"
