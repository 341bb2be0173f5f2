"""«Количество записей» and «Кол-во записей отклоненных на ФЛК / Всего ошибок ФЛК» agree with the
manifest of the errors demo_files injected (INJECTIONS): exactly the injected cases are rejected,
each with the injected code among its errors, and the counts add up."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.controls.finding import STAGE_FLK
from app.demo.files import INJECTIONS, MEK_INJECTIONS
from app.extensions import db
from app.models.intake import ControlError, MedicalCase
from app.models.vocabulary import CaseStatus, FileStatus
from tests.intake.helpers import demo_pair, errors_of, flk_rejected_cases, unchanged_elsewhere

FLK_CODES = sorted(c for c in INJECTIONS if c not in MEK_INJECTIONS)


def flk_injected(pair) -> list[dict]:
    return [i for i in pair.demo.injected if i.get("stage", STAGE_FLK) == STAGE_FLK]


def check_against_manifest(row, pair):
    """The ФЛК figures of the file agree with the manifest (МЭК injections pass the ФЛК)."""
    injected = flk_injected(pair)
    assert row.status == FileStatus.DONE, row.note
    assert row.records == pair.demo.cases
    assert row.flk_rejected == len(injected)
    assert flk_rejected_cases(row.id) == {i["idcase"] for i in injected}

    errors = errors_of(row.id)  # ФЛК errors
    assert row.flk_errors == len(errors)
    assert all(e.case_id is not None and not e.fatal for e in errors)  # no file-level error
    by_case: dict[str, set[str]] = {}
    for e in errors:
        by_case.setdefault(e.idcase, set()).add(e.code)
    assert set(by_case) == {i["idcase"] for i in injected}  # no case outside the manifest
    for item in injected:
        assert item["code"] in by_case[item["idcase"]], (item, by_case[item["idcase"]])
    # the per-case counters add up to the file's
    rows = db.session.execute(
        select(MedicalCase.idcase, MedicalCase.status, MedicalCase.flk_errors).where(MedicalCase.file_id == row.id)
    ).all()
    assert len(rows) == row.records
    assert sum(r.flk_errors for r in rows) == len(errors)
    for r in rows:
        assert (r.status == CaseStatus.FLK_REJECTED) == (r.idcase in by_case) == (r.flk_errors > 0)
    per_case = dict(
        db.session.execute(
            select(ControlError.case_id, func.count())
            .where(ControlError.file_id == row.id, ControlError.stage == STAGE_FLK)
            .group_by(ControlError.case_id)
        ).all()
    )
    assert sum(per_case.values()) == row.flk_errors


def test_counts_agree_with_the_manifest(intake, tmp_path):
    pair = demo_pair(tmp_path, cases=300, error_rate=0.25, seed=11)
    assert len(flk_injected(pair)) > 20
    with unchanged_elsewhere() as new:
        row = intake.upload_pair(pair)
    assert new == [row.id]
    check_against_manifest(row, pair)
    assert len({i["code"] for i in flk_injected(pair)}) >= 4  # a mix (each code: the test below)


@pytest.mark.parametrize("code", FLK_CODES)
def test_each_injected_code_is_found_where_injected(intake, tmp_path, code):
    # a file where the code is injected into some cases (some codes apply to hospital cases
    # only) and others stay clean; the first seed that gives one
    for seed in range(7, 40):
        pair = demo_pair(tmp_path, cases=24, error_rate=0.4, seed=seed, codes=[code])
        if 0 < len(pair.demo.injected) < pair.demo.cases:
            break
    else:
        pytest.fail(f"no seed injects {code}")
    row = intake.upload_pair(pair)
    check_against_manifest(row, pair)
    for e in errors_of(row.id):
        if e.code == code:
            assert e.n_zap == e.idcase and e.comment  # it points to its place


def test_a_clean_file_has_no_errors(intake, tmp_path):
    pair = demo_pair(tmp_path, cases=60)
    assert pair.demo.injected == []
    row = intake.upload_pair(pair)
    check_against_manifest(row, pair)
    assert (row.flk_rejected, row.flk_errors) == (0, 0)
