"""The demo register and tariffs ``oms init-demo`` loads: the persons of the demo files, with the
non-residents, the expired policies and the deceased person of app/services/demo_people.py."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.demo import catalog as cat
from app.demo.people import demo_person
from app.extensions import db
from app.models.erz import ErzPerson, ErzPolicy
from app.models.tariff import Tariff


def person(i: int) -> ErzPerson:
    return db.session.execute(select(ErzPerson).where(ErzPerson.enp == demo_person(i).enp)).scalar_one()


def test_demo_persons_are_in_the_register_with_their_history(app_ctx):
    assert app_ctx.config["DEMO_ERZ_PERSONS"] >= 25_000  # the persons of a 50,000-case demo file
    first = person(1)
    assert (first.fam, first.dr, first.snils) == (
        demo_person(1).fam,
        demo_person(1).dr,
        demo_person(1).snils.replace("-", "").replace(" ", ""),
    )
    history = [(p.policy_type, p.smo_code, p.date_begin, p.date_end) for p in first.policies]
    assert history[-1] == (3, demo_person(1).smo, dt.date(2020, 1, 1), None)
    assert history[0][0] == 1 and history[0][1] != demo_person(1).smo  # changed СМО in 2020
    nonresident = person(10).policies
    assert [(p.okato, p.smo_code) for p in nonresident] == [("45000", None)]
    assert person(17).policies[-1].date_end == dt.date(2024, 12, 31)
    assert person(13).death_date == dt.date(2025, 1, 5) == person(13).policies[-1].date_end
    n = app_ctx.config["DEMO_ERZ_PERSONS"]
    assert (
        db.session.execute(
            select(func.count()).select_from(ErzPerson).where(ErzPerson.enp == demo_person(n).enp)
        ).scalar_one()
        == 1
    )


def test_init_demo_again_changes_nothing(app):
    with app.app_context():
        before = [
            db.session.execute(select(func.count()).select_from(m)).scalar_one() for m in (ErzPerson, ErzPolicy, Tariff)
        ]
    result = app.test_cli_runner().invoke(args=["oms", "init-demo", "--force"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        after = [
            db.session.execute(select(func.count()).select_from(m)).scalar_one() for m in (ErzPerson, ErzPolicy, Tariff)
        ]
    assert before == after


def test_demo_tariffs_cover_every_demo_service_and_ksg(app_ctx):
    rows = {(t.kind, t.code): t for t in db.session.execute(select(Tariff)).scalars()}
    for s in cat.OUTPATIENT + cat.EMERGENCY:
        assert rows[("service", s.code)].price == s.tariff
    for k in cat.KSG:
        assert rows[("ksg", k.code)].coefficient == k.koef_z
    for usl_ok, rate in cat.BASE_RATE.items():
        assert rows[("base", str(usl_ok))].price == rate
