"""The home pages' figures (app/services/dashboards) against direct counts of the database: the demo
month for the demo roles, the hand-made month for a subdivision login, the signing order and the
dry runs — each count asked of the tables here in its own words, not through the services."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.intake import MedicalCase, UploadedFile
from app.models.organisation import Organisation
from app.models.registry import Registry, RegistryRefusal, RegistryStatusChange
from app.models.signing import RegistrySigning
from app.models.user import OmsUser
from app.models.vocabulary import FILE_ERRORS, FILE_LOADING, FileStatus, RegistryStatus
from app.services.dashboards import PeriodRefused, home_page
from app.services.dashboards.mo import CASE_LABELS
from app.services.dashboards.shared import Period
from app.services.intake.reports import row_details
from app.signing.order import next_role
from tests.dashboards.world import MONTH, World

DEMO = Period(2025, 10)


@pytest.fixture(scope="module")
def world(app):
    return World(app)


@pytest.fixture()
def ctx(app):
    with app.test_request_context("/"):
        yield
        db.session.rollback()


def _user(login: str) -> OmsUser:
    return db.session.execute(select(OmsUser).filter_by(username=login)).scalar_one()


def _org(code: str) -> int:
    return db.session.execute(select(Organisation.id).where(Organisation.code == code)).scalar_one()


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _loaded_real_files(org_id: int, period: Period, subdivision_id: int | None = None) -> list[int]:
    q = select(UploadedFile.id).where(
        UploadedFile.organisation_id == org_id,
        UploadedFile.status == FileStatus.DONE,
        UploadedFile.dry_run.is_(False),
        UploadedFile.year == period.year,
        UploadedFile.month == period.month,
    )
    if subdivision_id is not None:
        q = q.where(UploadedFile.subdivision_id == subdivision_id)
    return list(db.session.execute(q).scalars())


def _cases_by_status(file_ids: list[int], period: Period, subdivision_id: int | None = None) -> dict[str, tuple]:
    q = (
        select(MedicalCase.status, func.count(), func.sum(MedicalCase.sumv))
        .where(MedicalCase.file_id.in_(file_ids or [0]), MedicalCase.year == period.year)
        .where(MedicalCase.month == period.month)
        .group_by(MedicalCase.status)
    )
    if subdivision_id is not None:
        q = q.where(MedicalCase.subdivision_id == subdivision_id)
    return {status: (n, _money(s)) for status, n, s in db.session.execute(q)}


def _registries_by_status(period: Period, **where) -> dict[str, tuple]:
    q = (
        select(Registry.status, func.count(), func.sum(Registry.sum_declared), func.sum(Registry.sum_calc))
        .where(Registry.year == period.year, Registry.month == period.month)
        .where(*(getattr(Registry, column) == value for column, value in where.items()))
        .group_by(Registry.status)
    )
    return {status: (n, _money(d), _money(p)) for status, n, d, p in db.session.execute(q)}


def _shown_cases(page) -> dict[str, tuple]:
    labels = {label: status for status, label in CASE_LABELS.items()}
    return {labels[r.label]: (r.figure.count, r.figure.amount) for r in page.cases if r.figure.count}


def _shown_registries(page) -> dict[str, tuple]:
    by_label = {s.label: s.value for s in RegistryStatus}
    return {by_label[r.label]: (r.figure.count, r.figure.amount, r.figure.payable) for r in page.registries}


# -- an МО ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("login,code", [("mo1_operator", "140001"), ("mo2_operator", "140002")])
def test_the_mo_figures_are_the_direct_counts(ctx, demo_month, login, code):
    user, org_id = _user(login), _org(code)
    page = home_page(user, DEMO.value)
    assert page.kind == "mo" and page.period.current == DEMO
    files = _loaded_real_files(org_id, DEMO)
    assert page.files_done.count == len(files) > 0
    assert _shown_cases(page) == _cases_by_status(files, DEMO)
    assert page.cases_total.count == sum(n for n, _ in _cases_by_status(files, DEMO).values())
    # «Снято по МЭК» as the rows of «Загрузка файла» show it
    rows = [d["money"] for d in row_details(user, files).values()]
    assert page.withheld.refused == sum(m.refused for m in rows)
    assert page.withheld.partial == sum(m.partial for m in rows)
    assert page.withheld.sum == sum((m.sum for m in rows), Decimal("0.00"))
    assert _shown_registries(page) == _registries_by_status(DEMO, organisation_id=org_id)
    loading = db.session.execute(
        select(func.count()).where(
            UploadedFile.organisation_id == org_id,
            UploadedFile.status.in_(FILE_LOADING),
            UploadedFile.dry_run.is_(False),
        )
    ).scalar_one()
    assert page.loading_total.count == loading
    rework = list(
        db.session.execute(
            select(Registry.id).where(Registry.organisation_id == org_id, Registry.status == RegistryStatus.REWORK)
        ).scalars()
    )
    assert page.returns_total.count == len(rework)
    for ret in page.returns:
        last = db.session.execute(
            select(RegistryStatusChange.comment)
            .where(RegistryStatusChange.registry_id == ret.registry.id)
            .where(RegistryStatusChange.to_status == RegistryStatus.REWORK)
            .order_by(RegistryStatusChange.id.desc())
        ).first()
        assert ret.comment == (last[0] or "")
        refused = db.session.execute(
            select(func.count(), func.sum(RegistryRefusal.sank_it)).where(
                RegistryRefusal.registry_id == ret.registry.id
            )
        ).one()
        assert (ret.refusals.count, ret.refusals.amount) == (refused[0], _money(refused[1]))
    if code == "140001":  # the demo returned one of РБ №1's registries with the СМО's refusal
        assert [r.comment for r in page.returns if r.registry.period == "10.2025"] == ["Исправьте отказанный случай"]


def test_a_subdivision_login_counts_its_subdivision_only(ctx, world):
    user = _user(world.login["mo_a_sub1"])
    period = Period(world.year, MONTH)
    page = home_page(user, world.period)
    files = _loaded_real_files(world.ids["mo_a"], period, world.ids["sub_a1"])
    assert page.files_done.count == len(files) == 1
    assert _shown_cases(page) == _cases_by_status(files, period)
    assert _shown_registries(page) == _registries_by_status(
        period, organisation_id=world.ids["mo_a"], subdivision_id=world.ids["sub_a1"]
    )
    whole = home_page(_user(world.login["mo_a"]), world.period)
    assert whole.cases_total.count > page.cases_total.count  # the other subdivision's cases are there


def test_dry_runs_never_count(ctx, world):
    page = home_page(_user(world.login["mo_a"]), world.period)
    dry = set(db.session.execute(select(UploadedFile.id).where(UploadedFile.dry_run.is_(True))).scalars())
    assert {f.id for f in page.loading}.isdisjoint(dry)
    assert page.loading_total.count == 1
    assert page.files_done.count == 2
    dry_cases = db.session.execute(
        select(func.count()).where(MedicalCase.file_id.in_(dry), MedicalCase.organisation_id == world.ids["mo_a"])
    ).scalar_one()
    assert dry_cases == 5  # they are in the table, and the page does not count them
    assert page.cases_total.count == 9
    fund = home_page(_user("tfoms_admin"), world.period)
    assert {f.id for f in fund.failed}.isdisjoint(dry)
    assert fund.failed_total.count == 1
    row = next(r for r in fund.rows if r.organisation_id == world.ids["mo_a"])
    assert (row.files_done.count, row.files_failed.count) == (2, 1)


def test_the_signing_queue_is_the_next_role_of_the_order(ctx, world):
    for login in ("mo_a_executor", "mo_a_accountant", "smo_s_signer", "mo_a"):
        user = _user(world.login[login])
        page = home_page(user, world.period)
        status = RegistryStatus.SMO_SIGNING if login.startswith("smo") else RegistryStatus.MO_SIGNING
        regs = db.session.execute(
            select(Registry).where(
                Registry.status == status,
                (Registry.payer_id if login.startswith("smo") else Registry.organisation_id) == user.organisation_id,
            )
        ).scalars()
        expected = set()
        for reg in regs:
            done = db.session.execute(
                select(RegistrySigning.role).where(RegistrySigning.registry_id == reg.id)
            ).scalars()
            if user.has_signature_right(next_role(status, list(done)) or ""):
                expected.add(reg.id)
        if login == "mo_a":
            assert page.signing is None  # no signing right: no queue
            continue
        assert {r.id for r in page.signing.mine} == expected
        assert page.signing.waiting.count >= len(expected)
    executor = home_page(_user(world.login["mo_a_executor"]), world.period)
    assert world.registry_ids["a1_signing"] in {r.id for r in executor.signing.mine}
    assert executor.signing.no_certificate  # the right, but no registered certificate yet


# -- an СМО ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("login,code", [("smo1_specialist", "14001"), ("smo2_specialist", "14002")])
def test_the_smo_figures_are_the_direct_counts(ctx, demo_month, login, code):
    user, payer = _user(login), _org(code)
    page = home_page(user, DEMO.value)
    assert page.kind == "smo" and page.period.current == DEMO

    def count(status, period=None):
        q = select(func.count(), func.sum(Registry.sum_declared)).where(
            Registry.payer_id == payer, Registry.status == status
        )
        if period:
            q = q.where(Registry.year == period.year, Registry.month == period.month)
        n, s = db.session.execute(q).one()
        return n, _money(s)

    for row in page.queue:
        assert (row.period.count, row.period.amount) == count(row.status, DEMO)
        assert (row.every_period.count, row.every_period.amount) == count(row.status)
    loaded = db.session.execute(
        select(Registry.id).where(
            Registry.payer_id == payer,
            Registry.year == DEMO.year,
            Registry.month == DEMO.month,
            Registry.mek_loaded_at.is_not(None),
        )
    ).scalars()
    loaded = set(loaded)
    assert page.refusals_registries == len(loaded) == 1  # the demo: one МЭК results file per СМО
    oplata = Counter(
        db.session.execute(select(RegistryRefusal.oplata).where(RegistryRefusal.registry_id.in_(loaded))).scalars()
    )
    assert (page.refusals_total.refused, page.refusals_total.partial) == (oplata[2], oplata[3])
    withheld = db.session.execute(
        select(func.sum(RegistryRefusal.sank_it)).where(RegistryRefusal.registry_id.in_(loaded))
    ).scalar_one()
    assert page.refusals_total.sum == _money(withheld)


def test_an_smo_counts_the_registries_addressed_to_it_only(ctx, world):
    page = home_page(_user(world.login["smo_t"]), world.period)
    shown = {r.registry.id for r in page.refusals} | {r.registry.id for r in page.to_check}
    theirs = set(db.session.execute(select(Registry.id).where(Registry.payer_id != world.ids["smo_t"])).scalars())
    assert shown and shown.isdisjoint(theirs)
    assert all(row.every_period.count == 0 for row in page.queue)  # smo_t has none to take, check or sign


# -- the ТФОМС ---------------------------------------------------------------------------------------------
def test_the_fund_figures_are_the_direct_counts(ctx, demo_month):
    page = home_page(_user("tfoms_admin"), DEMO.value)
    assert page.kind == "tfoms"
    mos = set(db.session.execute(select(Organisation.id).where(Organisation.kind == "mo")).scalars())
    assert {r.organisation_id for r in page.rows} >= {_org("140001"), _org("140002")}
    assert {r.organisation_id for r in page.rows} <= mos
    for row in page.rows:
        files = _loaded_real_files(row.organisation_id, DEMO)
        assert row.files_done.count == len(files)
        regs = _registries_by_status(DEMO, organisation_id=row.organisation_id)
        assert [f.count for f in row.registries] == [regs.get(s, (0,))[0] for s in RegistryStatus]
    totals = _registries_by_status(DEMO)
    assert [f.count for f in page.total.registries] == [totals.get(s, (0,))[0] for s in RegistryStatus]
    for payer in page.payers:
        payer_id = _org(payer.code)
        current = _registries_by_status(DEMO, payer_id=payer_id)
        closed = current.pop(RegistryStatus.CLOSED.value, (0, Decimal("0.00"), Decimal("0.00")))
        assert (payer.closed.count, payer.closed.amount, payer.closed.payable) == closed
        assert payer.current.count == sum(n for n, _, _ in current.values())
        assert payer.current.amount == sum((d for _, d, _ in current.values()), Decimal("0.00"))
    failed = db.session.execute(
        select(func.count()).where(
            UploadedFile.status.in_(FILE_ERRORS),
            UploadedFile.dry_run.is_(False),
            UploadedFile.year == DEMO.year,
            UploadedFile.month == DEMO.month,
        )
    ).scalar_one()
    assert page.failed_total.count == failed


# -- the period ----------------------------------------------------------------------------------------------
def test_the_period_is_checked_and_defaults_to_the_latest_with_data(ctx, world):
    user = _user(world.login["mo_a"])
    with pytest.raises(PeriodRefused):
        home_page(user, "2033-13")
    assert home_page(user, None).period.current == Period(world.year, MONTH)
    chosen = home_page(user, "2040-02")
    assert chosen.period.current == Period(2040, 2) and Period(2040, 2) in chosen.period.options
    assert home_page(_user(world.login["smo_t"]), "").period.current == Period(world.year, MONTH)
    assert home_page(None, None) is None
