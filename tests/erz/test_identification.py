"""Identification in the ЕРЗ: the order ЕНП → policy → SNILS → name + birth date, the policy on
the dates of care, the СМО, non-residents; set-based (a fixed number of queries per batch)."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import event, select

from app.erz import ErzQuery, resolve
from app.erz.adapter import ErzPolicyInfo
from app.erz.importer import import_records
from app.erz.local import LocalErzAdapter
from app.erz.resolve import POLICY_ENDED, POLICY_FUTURE, POLICY_NONE, POLICY_VALID, policy_on
from app.extensions import db
from app.models.erz import ErzPerson
from app.models.intake import MedicalCase
from app.services.intake.stages.erz import identify_cases
from tests.intake.helpers import MO2, change_record, demo_pair, element_text

_n = itertools.count(1)
D1, D2 = dt.date(2026, 10, 1), dt.date(2026, 10, 9)


def register(**person) -> tuple[int, str]:
    enp = person.pop("ENP", None) or f"79{next(_n):014d}"
    policies = person.pop("policies", None) or [
        {"VPOLIS": "3", "NPOLIS": enp, "SMO": "14001", "OKATO": "98000", "DBEG": "2020-01-01"}
    ]
    raw = {"ENP": enp, "FAM": "Тестов", "IM": "Тест", "OT": "Тестович", "DR": "1970-01-01"} | person
    assert import_records([(1, raw, policies)]).persons == 1
    pid = db.session.execute(select(ErzPerson.id).where(ErzPerson.enp == enp)).scalar_one()
    return pid, enp


def q(key=1, **kw) -> ErzQuery:
    return ErzQuery(key=key, date_1=D1, date_2=D2, **kw)


def test_identification_order(db):
    by_enp, enp_a = register(FAM="Енпов", SNILS="11111111101")
    by_policy, _ = register(
        FAM="Полисов",
        policies=[
            {"VPOLIS": "1", "SPOLIS": "ЯК", "NPOLIS": "5550001", "SMO": "14002", "OKATO": "98000", "DBEG": "2015-01-01"}
        ],
    )
    by_snils, _ = register(FAM="Снилсов", SNILS="22222222202")
    by_name, _ = register(FAM="Фиоева", IM="Анна", OT="Петровна", DR="1990-03-04")
    found = LocalErzAdapter().identify(
        [
            # ЕНП wins over a SNILS of another person
            q(1, enp=enp_a, snils="222-222-222 02"),
            # no ЕНП: the policy wins over the SNILS
            q(2, spolis="як", npolis="5550001", snils="22222222202"),
            # a wrong series: not the policy; the SNILS finds the person
            q(3, spolis="АБ", npolis="5550001", snils="222-222-222 02"),
            # only the name and birth date (case and Ё do not matter)
            q(4, fam="ФИОЕВА", im="анна", ot="Петровна", dr=dt.date(1990, 3, 4)),
            # an unknown ЕНП falls through to the next keys
            q(5, enp="7999999999999999", fam="Фиоева", im="Анна", ot="Петровна", dr=dt.date(1990, 3, 4)),
            q(6, enp="7999999999999998"),
        ]
    )
    assert {k: (m.person_id, m.found_by) for k, m in found.items()} == {
        1: (by_enp, "enp"),
        2: (by_policy, "policy"),
        3: (by_snils, "snils"),
        4: (by_name, "name"),
        5: (by_name, "name"),
    }
    assert found[2].policies[0].series == "ЯК" and found[1].enp == enp_a


def test_a_key_shared_by_two_persons_identifies_nobody(db):
    register(FAM="Двойнев", IM="Иван", OT="", DR="1985-05-05", SNILS="33333333303")
    register(FAM="Двойнев", IM="Иван", OT="", DR="1985-05-05", SNILS="33333333303")
    found = LocalErzAdapter().identify(
        [q(1, snils="33333333303"), q(2, fam="Двойнев", im="Иван", dr=dt.date(1985, 5, 5))]
    )
    assert found == {}


def _policy(begin, end, smo="14001", okato="98000"):
    return ErzPolicyInfo(3, "", "x", smo, okato, begin, end)


def test_policy_on_the_dates_of_care():
    old = _policy(dt.date(2011, 1, 1), dt.date(2026, 10, 4), smo="14002")
    new = _policy(dt.date(2026, 10, 5), None, smo="14001")
    assert policy_on((old, new), D1, D2) == (new, POLICY_VALID)  # the one on DATE_Z_2
    assert policy_on((old,), D1, D2) == (old, POLICY_VALID)  # valid on DATE_Z_1
    ended = _policy(dt.date(2020, 1, 1), dt.date(2024, 12, 31))
    assert policy_on((ended,), D1, D2) == (ended, POLICY_ENDED)
    future = _policy(dt.date(2026, 11, 1), None)
    assert policy_on((future,), D1, D2) == (future, POLICY_FUTURE)
    assert policy_on((), D1, D2) == (None, POLICY_NONE)


def test_non_resident_by_register_st_okato_or_enp_region():
    from app.erz import ErzMatch

    local = ErzMatch("enp", 1, "9800000000000001", None, (_policy(dt.date(2020, 1, 1), None),))
    moscow = ErzMatch("enp", 2, "9800000000000002", None, (_policy(dt.date(2020, 1, 1), None, None, "45000"),))
    r = resolve(q(enp="9800000000000001"), local, "98", st_okato="45000")
    assert (r.nonresident, r.smo_code, r.person_key, r.policy_check) == (False, "14001", "E1", POLICY_VALID)
    assert resolve(q(enp="9800000000000002"), moscow, "98").nonresident is True  # the register decides
    # not found: ST_OKATO, else the region of the ЕНП
    assert resolve(q(enp="9800000000000003"), None, "98", st_okato="45000").nonresident is True
    assert resolve(q(enp="4500000000000003"), None, "98").nonresident is True
    nf = resolve(q(enp="9800000000000003"), None, "98")
    assert (nf.nonresident, nf.found_by, nf.person_key) == (False, None, "N9800000000000003")
    assert resolve(q(fam="А", im="Б", dr=dt.date(2000, 1, 1)), None, "98").person_key == "FА|Б||2000-01-01"


def test_pipeline_identifies_by_enp_then_by_snils_when_the_enp_is_unknown(intake, tmp_path):
    pair = demo_pair(tmp_path, mo=MO2, cases=6, seed=501, first_person=25001, persons=30)
    enp = element_text(pair.h, 2, "ENP")
    h = change_record(pair.h, 2, f"<ENP>{enp}</ENP>", "<ENP>9899999999999999</ENP>")
    row = intake.upload_pair(pair.with_h(h), "mo2_operator")
    found = dict(
        db.session.execute(
            select(MedicalCase.n_zap, MedicalCase.erz_found_by).where(MedicalCase.file_id == row.id)
        ).all()
    )
    assert found.pop("2") == "snils"
    assert set(found.values()) == {"enp"}


def _statements(app_db, fn) -> int:
    count = 0

    def on(*_a, **_k):
        nonlocal count
        count += 1

    event.listen(app_db.engine, "before_cursor_execute", on)
    try:
        fn()
    finally:
        event.remove(app_db.engine, "before_cursor_execute", on)
    return count


def test_identification_is_set_based(intake, tmp_path):
    """The number of queries does not grow with the number of cases (one per step per batch)."""
    small = intake.upload_pair(
        demo_pair(tmp_path, mo=MO2, cases=5, seed=502, first_person=26001, persons=50), "mo2_operator"
    )
    big = intake.upload_pair(
        demo_pair(tmp_path, mo=MO2, cases=120, seed=503, first_person=26101, persons=300), "mo2_operator"
    )
    identify_cases(small.id)  # warm: the session's first query
    n_small = _statements(db, lambda: identify_cases(small.id))
    n_big = _statements(db, lambda: identify_cases(big.id))
    assert n_big == n_small < 20


def test_set_rules_are_set_based(intake, tmp_path):
    """The МЭК rules over the whole file (duplicates, licences, the account's sums …) make as many
    statements for 120 cases as for 5: a fixed number per rule, never one per case."""
    from app.controls.mek import MekContext, run_set_rules

    small = intake.upload_pair(
        demo_pair(tmp_path, mo=MO2, cases=5, seed=504, first_person=26501, persons=50), "mo2_operator"
    )
    big = intake.upload_pair(
        demo_pair(tmp_path, mo=MO2, cases=120, seed=505, first_person=26601, persons=300), "mo2_operator"
    )
    ctx = MekContext(year=big.year, month=big.month)
    run_set_rules(ctx, small.id)  # warm: the session's first query
    n_small = _statements(db, lambda: run_set_rules(ctx, small.id))
    n_big = _statements(db, lambda: run_set_rules(ctx, big.id))
    assert n_small == n_big <= 2 * len(ctx.active("set"))
