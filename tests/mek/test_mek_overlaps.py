"""Overlapping care of one patient (003K.14.0070 two round-the-clock stays at once, 003K.14.0080 a
visit during a stay), on cases written straight into the database: the file being checked and
earlier files of this and of another МО."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.controls.mek import MekContext
from app.controls.mek.registry import get
from app.models.intake import MedicalCase
from app.models.vocabulary import CaseStatus, FileStatus
from tests.mek.test_mek_disp_sets import Files

D = dt.date(2031, 3, 1)


@pytest.fixture()
def files(db):
    made = Files(db)
    yield made
    made.cleanup()


def care(files: Files, f, person: str, usl_ok: int, first: int, last: int, **kw) -> MedicalCase:
    """A case of USL_OK ``usl_ok`` from day ``first`` to day ``last`` of March 2031."""
    status = kw.pop("status", CaseStatus.ACCEPTED)
    c = MedicalCase(
        file_id=f.id,
        organisation_id=f.organisation_id,
        status=status,
        file_type="H",
        usl_ok=usl_ok,
        profil=kw.pop("profil", 97),
        prvs=76,
        person_key=f"stay-test-{person}",
        n_zap=str(first * 100 + last),
        idcase=f"{person}{first}-{last}",
        date_z_1=D.replace(day=first),
        date_z_2=D.replace(day=last),
        nhistory=kw.pop("nhistory", f"{person}{first}{last}{usl_ok}"),
        sumv=Decimal("1000.00"),
        **kw,
    )
    files.db.session.add(c)
    files.db.session.flush()
    return c


def hits(code: str, file_id: int) -> dict:
    ctx = MekContext(file_kind="H", year=2031, month=3)
    return {sc.case_id: hit.detail for sc, hit in get(code).fn(ctx, file_id)}


def test_two_stays_at_once(files):
    other = files.file(org=files.other_org, file_type="H")  # another hospital: still one patient
    care(files, other, "a", 1, 1, 10)
    care(files, other, "b", 1, 1, 10)
    care(files, other, "c", 1, 1, 10, status=CaseStatus.MEK_REJECTED)  # refused: not a stay
    care(files, other, "d", 2, 1, 10)  # a day hospital is no round-the-clock stay
    care(files, files.file(FileStatus.ERR_VALIDATION, file_type="H"), "e", 1, 1, 10)  # a failed load
    same = care(files, files.file(file_type="H"), "f", 1, 1, 10, nhistory="H-1")
    now = files.file(FileStatus.MEK, file_type="H")
    a = care(files, now, "a", 1, 5, 12)  # overlaps 1–10
    b = care(files, now, "b", 1, 10, 15)  # transferred on the day the other ended: no overlap
    c = care(files, now, "c", 1, 5, 12)
    d = care(files, now, "d", 1, 5, 12)
    e = care(files, now, "e", 1, 5, 12)
    f = care(files, now, "f", 1, 1, 10, nhistory="H-1")  # the same stay sent again by the same МО
    first, second = care(files, now, "g", 1, 3, 8), care(files, now, "g", 1, 7, 9)  # within the file
    twin = care(files, now, "h", 1, 3, 8), care(files, now, "h", 1, 3, 8, nhistory="other")
    files.db.session.commit()

    found = hits("003K.14.0070", now.id)
    assert set(found) == {a.id, second.id}, found  # the same care twice is 003K.00.0420's
    assert "с 01.03.2031 по 10.03.2031" in found[a.id] and "файла disp-test-" in found[a.id]
    assert f"IDCASE {first.idcase} этого файла" in found[second.id]
    assert not {b.id, c.id, d.id, e.id, f.id, same.id, first.id, *(t.id for t in twin)} & set(found)


def test_a_visit_during_a_stay(files):
    earlier = files.file(org=files.other_org, file_type="H")
    care(files, earlier, "a", 1, 1, 10)
    now = files.file(FileStatus.MEK, file_type="H")
    inside = care(files, now, "a", 3, 5, 5)
    admission, discharge = care(files, now, "a", 3, 1, 1), care(files, now, "a", 3, 10, 10)
    care(files, now, "b", 1, 20, 25)
    also_inside = care(files, now, "b", 3, 22, 22)  # a stay of this very file
    elsewhere = care(files, now, "c", 3, 5, 5)  # another patient
    files.db.session.commit()

    found = hits("003K.14.0080", now.id)
    assert set(found) == {inside.id, also_inside.id}
    assert not {admission.id, discharge.id, elsewhere.id} & set(found)
    assert hits("003K.14.0070", now.id) == {}
    assert get("003K.14.0080").refusal == get("003K.14.0070").refusal == "1.10.3"
