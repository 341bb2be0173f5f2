"""The kept refusal figures of «Аналитика» equal a direct count of the rows (tests/analytics/oracle.py)
after every operation that changes them: a load (with ФЛК and МЭК errors injected), a re-upload
that replaces cases, «Удалить данные файла», a change of case status, the payer's МЭК results (the
demo month); dry runs never count; ``oms refresh-analytics`` rebuilds them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import delete, func, select

from app.extensions import db
from app.models.analytics import RefusalSource, RefusalStat, RefusalTotal
from app.models.intake import ControlError, MedicalCase, UploadedFile
from app.models.organisation import Organisation
from app.models.vocabulary import CaseStatus, FileStatus
from app.services.analytics import figures
from app.services.analytics.figures import Selection
from app.services.analytics.refresh import refresh_after_load, refresh_all, refresh_period
from app.services.intake import case_status, file_data
from tests.analytics.oracle import assert_equal, kept
from tests.intake.helpers import demo_pair, user


def _org(code: str) -> int:
    return db.session.execute(select(Organisation.id).where(Organisation.code == code)).scalar_one()


def _rows(org_id: int, year: int, month: int) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(RefusalTotal)
        .where(RefusalTotal.organisation_id == org_id, RefusalTotal.year == year, RefusalTotal.month == month)
    ).scalar_one()


def _forget(org_id: int, year: int, month: int) -> None:
    for model in (RefusalStat, RefusalTotal):
        db.session.execute(
            delete(model).where(model.organisation_id == org_id, model.year == year, model.month == month)
        )
    db.session.commit()


def test_the_demo_month_fills_the_figures_by_itself_and_they_equal_a_direct_count(demo_month, db):
    mo1, mo2 = _org("140001"), _org("140002")
    # the demo month loads through the pipeline and the payer's results service: its figures are there
    assert _rows(mo1, 2025, 10) > 0 and _rows(mo2, 2025, 10) > 0
    # other tests may change the month's rows in ways no hook sees (factories): rebuild, then compare
    refresh_all(2025, 10)
    got = assert_equal(mo1, 2025, 10)
    # the payer refused one case (5.2.4) and withheld 100,00 of another (5.3.1): the source «СМО»
    payer_codes = {code for stage, code, *_ in got["stats"] if stage == RefusalSource.PAYER}
    assert {"5.2.4", "5.3.1"} <= payer_codes
    partial = [v for k, v in got["stats"].items() if k[:2] == (RefusalSource.PAYER, "5.3.1")]
    assert sum(n for n, _ in partial) >= 1 and sum(s for _, s in partial) >= Decimal("100.00")
    assert got["mek_money"][0] >= 2  # the payer's two are within «Снято по МЭК» of the file rows
    assert_equal(mo2, 2025, 10)


def test_a_load_with_injected_errors_has_the_figures_of_its_error_rows(intake):
    pair = demo_pair(intake.tmp, cases=40, error_rate=0.5, mo="140002", year=2024, month=5)
    row = intake.upload_pair(pair, "mo2_operator")
    assert row.status == FileStatus.DONE, row.note
    got = assert_equal(row.organisation_id, 2024, 5)  # no refresh by hand: the load did it
    # the by-code table of the page: each code's cases are the distinct cases of its error rows
    mo2 = user("mo2_operator")
    page = {(r.stage, r.code): r for r in figures.by_code(mo2, Selection(2024, 5))}
    mek = db.session.execute(
        select(ControlError.code, func.count(func.distinct(ControlError.case_id)), func.sum(ControlError.sanction_sum))
        .join(MedicalCase, MedicalCase.id == ControlError.case_id)
        .join(UploadedFile, UploadedFile.id == MedicalCase.file_id)
        .where(
            ControlError.stage == RefusalSource.MEK,
            UploadedFile.organisation_id == row.organisation_id,
            UploadedFile.year == 2024,
            UploadedFile.month == 5,
            UploadedFile.status == FileStatus.DONE,
        )
        .group_by(ControlError.code)
    ).all()
    assert mek, "the injected МЭК errors are there"
    for code, cases, withheld in mek:
        assert page[(RefusalSource.MEK, code)].cases == cases
        assert page[(RefusalSource.MEK, code)].amount == Decimal(str(withheld)).quantize(Decimal("0.01"))
    flk_codes = {k[1] for k in got["stats"] if k[0] == RefusalSource.FLK}
    assert flk_codes and flk_codes == {code for stage, code in page if stage == RefusalSource.FLK}
    # each code says what to fix (the catalogue's hint, else its text)
    assert all(r.hint for r in page.values())
    # the totals count a case once: never more than the sum of the rules' cases, never fewer than the largest
    totals = figures.totals(mo2, Selection(2024, 5))
    flk_rows = [r.cases for (stage, _), r in page.items() if stage == RefusalSource.FLK]
    assert max(flk_rows) <= totals[RefusalSource.FLK].cases <= sum(flk_rows)
    assert totals[RefusalSource.FLK].cases == row.flk_rejected


def test_a_reupload_that_replaces_cases_and_a_deletion_refresh_the_figures(intake):
    pair = demo_pair(intake.tmp, cases=20, error_rate=0.5, mo="140002", year=2024, month=6)
    first = intake.upload_pair(pair, "mo2_operator")
    org = first.organisation_id
    before = assert_equal(org, 2024, 6)
    assert any(k[0] == RefusalSource.MEK for k in before["stats"])
    assert sum(n for k, (n, _) in before["totals"].items() if k[0] == RefusalSource.ALL) == 20
    # the same export again: its cases replace those of the first file, counted once
    second = intake.upload_pair(pair, "mo2_operator")
    assert second.status == FileStatus.DONE, second.note
    db.session.expire_all()
    assert db.session.get(UploadedFile, first.id).replaced_by_id == second.id
    after = assert_equal(org, 2024, 6)
    assert sum(n for k, (n, _) in after["totals"].items() if k[0] == RefusalSource.ALL) == 20
    # «Удалить данные файла» of both: the period has no figures left
    for f in (second, first):
        assert file_data.delete_file_data(user("mo2_operator"), f.id).ok
    assert_equal(org, 2024, 6)
    assert kept(org, 2024, 6)["totals"] == {}


def test_a_load_refreshes_the_periods_of_the_files_whose_cases_it_replaced(intake):
    """A re-upload may bring cases of an earlier file of another period (the identity of a case has
    no period): that period is rebuilt too."""
    org = _org("140002")
    later = intake.valid_load("mo2_operator", cases=2, year=2024, month=10)
    earlier = UploadedFile(
        organisation_id=org,
        archive_name="HM140002T14_2404999.zip",
        status=FileStatus.DONE,
        year=2024,
        month=4,
        replaced_by_id=later.id,
    )
    db.session.add(earlier)
    stale = dict(organisation_id=org, year=2024, month=4, stage=RefusalSource.ALL, cases=7, amount=Decimal("70.00"))
    db.session.add(RefusalTotal(**stale))
    db.session.commit()
    refresh_after_load(later.id)
    assert _rows(org, 2024, 4) == 0  # the earlier file keeps no case: its stale figures went
    assert_equal(org, 2024, 10)
    db.session.delete(db.session.get(UploadedFile, earlier.id))
    db.session.commit()


def test_a_dry_run_never_counts(intake):
    """A dry run ends «Проверка завершена» with its protocol: made here by hand — a row with its cases
    and errors, even one that says «Процесс загрузки завершен» — none of it counts."""
    org = _org("140002")
    for status in (FileStatus.CHECKED, FileStatus.DONE):
        f = UploadedFile(
            organisation_id=org,
            archive_name=f"HM140002T14_2407{status[:3]}.zip",
            status=status,
            dry_run=True,
            year=2024,
            month=7,
        )
        db.session.add(f)
        db.session.flush()
        case = MedicalCase(
            file_id=f.id,
            organisation_id=org,
            year=2024,
            month=7,
            status=CaseStatus.FLK_REJECTED,
            sumv=Decimal("500.00"),
            id_pac="1",
        )
        db.session.add(case)
        db.session.flush()
        db.session.add(ControlError(file_id=f.id, organisation_id=org, case_id=case.id, stage="ФЛК", code="904"))
        db.session.commit()
        refresh_after_load(f.id)  # what the pipeline's end would call: a dry run is left out
        refresh_period(org, 2024, 7)
        db.session.commit()
    assert _rows(org, 2024, 7) == 0
    assert assert_equal(org, 2024, 7)["stats"] == {}


def test_a_change_of_case_status_refreshes_its_period(intake):
    row = intake.valid_load("mo2_operator", cases=3, year=2024, month=8)
    org = row.organisation_id
    _forget(org, 2024, 8)
    accepted = (
        db.session.execute(
            select(MedicalCase.id).where(MedicalCase.file_id == row.id, MedicalCase.status == CaseStatus.ACCEPTED)
        )
        .scalars()
        .first()
    )
    result = case_status.change_status(user("mo2_operator"), [accepted], CaseStatus.SUSPENDED, "проверка")
    assert result.ok, result.message
    assert _rows(org, 2024, 8) > 0
    assert_equal(org, 2024, 8)


def test_the_command_rebuilds_every_period_and_refuses_a_wrong_one(app, intake):
    row = intake.valid_load("mo2_operator", cases=3, year=2024, month=9)
    org = row.organisation_id
    _forget(org, 2024, 9)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["oms", "refresh-analytics", "--period", "2024-09", "--quiet"])
    assert result.exit_code == 0, result.output
    assert '"periods"' in result.output
    assert _rows(org, 2024, 9) > 0
    assert_equal(org, 2024, 9)
    bad = runner.invoke(args=["oms", "refresh-analytics", "--period", "09.2024"])
    assert bad.exit_code != 0 and "ГГГГ-ММ" in bad.output


def test_selection_months_end_at_the_period():
    assert Selection(2025, 2).months(3) == [(2024, 12), (2025, 1), (2025, 2)]
    assert Selection(2025, 12).months(12)[0] == (2025, 1)
    assert len(Selection(2024, 1).months()) == 12 and dt.date(2024, 1, 1)
