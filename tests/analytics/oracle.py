"""The refusal figures of one МО and period counted directly from the rows, in Python — the
oracle the kept tables (app.models.analytics) must equal.  Written apart from the SQL of
app.services.analytics.refresh on purpose: the «Снято по МЭК» of the file rows comes from
app.services.intake.reports.mek_money (the definition the figures promise to share), the rest
from the ControlError and RegistryRefusal rows themselves."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models.analytics import RefusalSource, RefusalStat, RefusalTotal
from app.models.intake import ControlError, MedicalCase, UploadedFile
from app.models.registry import RegistryRefusal
from app.models.vocabulary import CaseStatus, FileStatus
from app.services.intake.reports import mek_money

ZERO = Decimal("0.00")


def _d(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def counted_file_ids(org_id: int, year: int, month: int) -> list[int]:
    return list(
        db.session.execute(
            select(UploadedFile.id).where(
                UploadedFile.organisation_id == org_id,
                UploadedFile.year == year,
                UploadedFile.month == month,
                UploadedFile.status == FileStatus.DONE,
                UploadedFile.dry_run.is_(False),
            )
        ).scalars()
    )


def direct(org_id: int, year: int, month: int) -> dict:
    """{"totals": {(stage, sub, payer): (cases, sum)}, "stats": {(stage, code, sub, payer): (cases, sum)},
    "mek_money": (count, sum) of the file rows}."""
    files = counted_file_ids(org_id, year, month)
    cases = list(db.session.execute(select(MedicalCase).where(MedicalCase.file_id.in_(files))).scalars())
    by_id = {c.id: c for c in cases}
    totals: dict = defaultdict(lambda: [0, ZERO])
    for c in cases:
        key = (c.subdivision_id, c.payer_id)
        totals[(RefusalSource.ALL, *key)][0] += 1
        totals[(RefusalSource.ALL, *key)][1] += _d(c.sumv)
        if c.status == CaseStatus.FLK_REJECTED:
            totals[(RefusalSource.FLK, *key)][0] += 1
            totals[(RefusalSource.FLK, *key)][1] += _d(c.sumv)
    stats: dict = defaultdict(lambda: [0, ZERO])
    errors = list(db.session.execute(select(ControlError).where(ControlError.file_id.in_(files))).scalars())
    flk_pairs = set()
    for e in errors:
        if e.stage != RefusalSource.FLK:
            continue
        if e.case_id is not None:
            hit = [by_id[e.case_id]] if e.case_id in by_id else []
        elif e.id_pac is not None:
            hit = [c for c in cases if c.file_id == e.file_id and c.id_pac == e.id_pac]
        else:
            hit = []
        flk_pairs |= {(c.id, e.code) for c in hit if c.status == CaseStatus.FLK_REJECTED}
    for case_id, code in flk_pairs:
        c = by_id[case_id]
        row = stats[(RefusalSource.FLK, code, c.subdivision_id, c.payer_id)]
        row[0] += 1
        row[1] += _d(c.sumv)
    mek_cases: dict = defaultdict(set)
    for e in errors:
        if e.stage == RefusalSource.MEK and e.case_id in by_id:
            c = by_id[e.case_id]
            key = (RefusalSource.MEK, e.code, c.subdivision_id, c.payer_id)
            mek_cases[key].add(c.id)
            stats[key][1] += _d(e.sanction_sum)
    for key, ids in mek_cases.items():
        stats[key][0] = len(ids)
    refusals = (
        list(db.session.execute(select(RegistryRefusal).where(RegistryRefusal.case_id.in_(list(by_id)))).scalars())
        if by_id
        else []
    )
    for r in refusals:
        c = by_id[r.case_id]
        totals[(RefusalSource.PAYER, c.subdivision_id, c.payer_id)][0] += 1
        totals[(RefusalSource.PAYER, c.subdivision_id, c.payer_id)][1] += _d(r.sank_it)
        for code in dict.fromkeys(x.strip() for x in (r.codes or "").split(";") if x.strip()):
            stats[(RefusalSource.PAYER, code, c.subdivision_id, c.payer_id)][0] += 1
            stats[(RefusalSource.PAYER, code, c.subdivision_id, c.payer_id)][1] += _d(r.sank_it)
    money = mek_money(files).values()
    return {
        "totals": {k: tuple(v) for k, v in totals.items()},
        "stats": {k: tuple(v) for k, v in stats.items()},
        "mek_money": (sum(m.count for m in money), sum((m.sum for m in money), ZERO)),
    }


def kept(org_id: int, year: int, month: int) -> dict:
    """The kept figures of the МО and period, in the shape of :func:`direct`."""
    totals = {
        (t.stage, t.subdivision_id, t.payer_id): (t.cases, _d(t.amount))
        for t in db.session.execute(
            select(RefusalTotal).where(
                RefusalTotal.organisation_id == org_id, RefusalTotal.year == year, RefusalTotal.month == month
            )
        ).scalars()
    }
    stats = {
        (s.stage, s.code, s.subdivision_id, s.payer_id): (s.cases, _d(s.amount))
        for s in db.session.execute(
            select(RefusalStat).where(
                RefusalStat.organisation_id == org_id, RefusalStat.year == year, RefusalStat.month == month
            )
        ).scalars()
    }
    mek = [v for k, v in totals.items() if k[0] == RefusalSource.MEK]
    return {
        "totals": totals,
        "stats": stats,
        "mek_money": (sum(n for n, _ in mek), sum((s for _, s in mek), ZERO)),
    }


def assert_equal(org_id: int, year: int, month: int) -> dict:
    """The kept figures equal the direct count (МЭК totals: the file rows' «Снято по МЭК»)."""
    db.session.expire_all()
    want, got = direct(org_id, year, month), kept(org_id, year, month)
    want_totals = {k: v for k, v in want["totals"].items() if k[0] != RefusalSource.MEK}
    got_totals = {k: v for k, v in got["totals"].items() if k[0] != RefusalSource.MEK}
    assert got_totals == want_totals
    assert got["stats"] == want["stats"]
    assert got["mek_money"] == want["mek_money"]
    return got
