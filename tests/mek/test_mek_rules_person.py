"""МЭК on the patient of the L file: 003K.00.1021 — a document issued from 14 years (DOCTYPE 1,
4–8, 14, 16, 17, 26, 29) for a patient younger than 14 on DATE_Z_1 (NOVOR = 0); 002K.00.0680 — born
after the start of the case."""

from __future__ import annotations

import datetime as dt

import pytest

from app.controls.mek import check_case
from app.controls.mek.registry import get
from app.controls.values import age_on
from app.demo.people import demo_person
from tests.mek.cases import ADULT_MAN, DAY, case, ctx, zap

CHILD = next(i for i in range(2, 30_000) if 1 <= age_on(demo_person(i).dr, DAY) < 14)
FOURTEEN = next(i for i in range(2, 30_000) if age_on(demo_person(i).dr, DAY) == 14)

CASES = {
    "003K.00.1021": lambda: case(zap("amb", CHILD, **{"Z_SL/SL/PROFIL": "68"}), CHILD, doctype=14),
    "002K.00.0680": lambda: born_on(DAY + dt.timedelta(days=1)),
}


def born_on(day: dt.date):
    """The demo case of an adult man on DAY whose L file says he was born on ``day``."""
    c = case(zap("amb"))
    c.dr = day
    return c


def codes(c) -> list[str]:
    return [s.code for s in check_case(c, ctx())]


def test_a_passport_of_a_child_is_refused_on_every_case_file():
    c = CASES["003K.00.1021"]()
    for kind in ("H", "C", "T", "X"):  # the rule of the L file runs with each kind of case file
        [s] = [s for s in check_case(c, ctx(file_kind=kind)) if s.code == "003K.00.1021"]
        assert s.refusal == get("003K.00.1021").refusal and s.full and "возраст" in s.finding.comment


@pytest.mark.parametrize(
    "person, doctype, novor, fires",
    [
        (CHILD, 14, "0", True),
        (CHILD, 3, "0", False),  # a birth certificate
        (CHILD, 14, "120240101", False),  # a newborn's case under a parent's document
        (CHILD, None, "0", False),  # no document
        (FOURTEEN, 14, "0", False),  # 14 on the day: the passport is right
        (ADULT_MAN, 14, "0", False),
    ],
)
def test_the_document_against_the_age(person, doctype, novor, fires):
    node = zap("amb", person, **{"PACIENT/NOVOR": novor})
    assert ("003K.00.1021" in codes(case(node, person, doctype=doctype))) is fires


def test_born_after_the_start_of_the_case():
    assert "002K.00.0680" in codes(born_on(DAY + dt.timedelta(days=1)))
    assert "002K.00.0680" not in codes(born_on(DAY))  # born on the day of care
    [s] = [s for s in check_case(born_on(DAY + dt.timedelta(days=1)), ctx(file_kind="T")) if s.code == "002K.00.0680"]
    assert s.finding.value == (DAY + dt.timedelta(days=1)).isoformat() and s.full
