"""The registry file for the payer: names, headers, renumbering, persons, the ZIP — and the pair
read back by the project's own archive check, reader, structural checks and ФЛК finds nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import zipfile
from decimal import Decimal

import pytest

from app.controls.flk import FileTotals, FlkContext, check_header, check_person, check_record
from app.demo import files as df
from app.demo.nsi import demo_nsi
from app.demo.people import demo_person
from app.formats.archive import open_pair
from app.formats.definitions import get_definition
from app.formats.fragments import from_xml, to_xml
from app.formats.reader import read_file
from app.formats.structure import check_header as structure_header
from app.formats.structure import check_record as structure_record
from app.registry_files import RegistryFileError, RegistryPair, registry_file_name, write_registry_pair

TODAY = dt.date(2026, 11, 10)
DSCHET = dt.date(2026, 11, 3)
MO = "140001"
VERSION = "5.1"


def specs(n=40, persons=15, seed=3):
    return df.plan_cases(n, random.Random(seed), 2026, 10, TODAY, persons, 0.0)


def fragments(selected):
    """(zap_xml, pers_xml) as the database keeps them (ZAP of the demo file, PERS of its person)."""
    return [
        (to_xml(df.zap_node(s, MO, None, VERSION)), to_xml(df.pers_node(demo_person(s.person), DSCHET)))
        for s in selected
    ]


def smo_cases(smo="14001", **kw):
    return fragments([s for s in specs(**kw) if demo_person(s.person).smo == smo])


def nonresident_cases(**kw):
    return fragments([s for s in specs(**kw) if not demo_person(s.person).resident])


def write(outdir, cases, payer_kind="S", payer_code="14001", **kw):
    args = dict(
        mo_code=MO,
        payer_kind=payer_kind,
        payer_code=payer_code,
        year=2026,
        month=10,
        number=1,
        nschet="101",
        dschet=DSCHET,
        version=VERSION,  # the version of the period 10.2026
    )
    args.update(kw)
    return write_registry_pair(outdir, cases=(c for c in cases), **args)


def read_back(pair: RegistryPair, tmp_path):
    """Extract the ZIP with the project's archive check, read both files, run the structural
    checks and the ФЛК; returns (H header, L header, ZAP list, PERS list, all findings)."""
    extracted = open_pair(pair.zip_path, tmp_path / "extracted")
    hf = read_file(extracted.h_path)
    lf = read_file(extracted.l_path)
    findings = list(hf.findings) + list(lf.findings)
    assert not hf.fatal and not lf.fatal, findings
    persons = list(lf.records)
    index = {p.get("ID_PAC"): p for p in persons}
    zaps = list(hf.records)
    h_def, l_def = get_definition("H", VERSION), get_definition("L", "3.2")
    findings += structure_header(h_def, hf.header) + structure_header(l_def, lf.header)
    findings += [f for z in zaps for f in structure_record(h_def, z)]
    findings += [f for p in persons for f in structure_record(l_def, p)]
    ctx = FlkContext.from_header(
        hf.header,
        lf.header,
        sender_mo=MO,
        nsi=demo_nsi(),
        today=TODAY,
        member_name=extracted.h_name,
        l_member_name=extracted.l_name,
    )
    findings += check_header(hf.header, ctx) + check_header(lf.header, ctx)
    totals = FileTotals(ctx, header=hf.header, person_ids=index)
    for p in persons:
        findings += check_person(p, ctx) + totals.add_person(p)
    for z in zaps:
        findings += check_record(z, index.get(z.get("PACIENT/ID_PAC")), ctx) + totals.add(z)
    findings += totals.finish()
    return hf.header, lf.header, zaps, persons, findings


def test_smo_registry_file_passes_the_project_checks(tmp_path):
    cases = smo_cases()
    assert len(cases) >= 10
    pair = write(tmp_path / "out", cases)
    h, l_, zaps, persons, findings = read_back(pair, tmp_path)
    assert findings == []
    assert pair.name == "HM140001S14001_26101"
    assert pair.l_name == "LM140001S14001_26101"
    assert (pair.h_path.name, pair.l_path.name, pair.zip_path.name) == (
        "HM140001S14001_26101.xml",
        "LM140001S14001_26101.xml",
        "HM140001S14001_26101.zip",
    )
    total = sum(Decimal(from_xml(z).get("Z_SL/SUMV")) for z, _ in cases)
    assert h.get("ZGLV/FILENAME") == pair.name
    assert h.get("ZGLV/SD_Z") == str(len(cases)) == str(pair.cases)
    assert h.get("ZGLV/VERSION") == VERSION
    assert h.get("ZGLV/DATA") == "2026-11-03"
    assert Decimal(h.get("SCHET/SUMMAV")) == total == pair.summav
    assert (
        h.get("SCHET/PLAT"),
        h.get("SCHET/CODE_MO"),
        h.get("SCHET/NSCHET"),
        h.get("SCHET/DSCHET"),
        h.get("SCHET/YEAR"),
        h.get("SCHET/MONTH"),
    ) == ("14001", MO, "101", "2026-11-03", "2026", "10")
    assert l_.get("ZGLV/FILENAME") == pair.l_name
    assert l_.get("ZGLV/FILENAME1") == pair.name
    assert [z.get("N_ZAP") for z in zaps] == [str(i) for i in range(1, len(cases) + 1)]
    assert {z.get("PACIENT/SMO") for z in zaps} == {"14001"}
    # the cases keep their order and their own identifiers
    assert [z.get("Z_SL/IDCASE") for z in zaps] == [from_xml(c).get("Z_SL/IDCASE") for c, _ in cases]


def test_each_person_once_in_order_of_first_use(tmp_path):
    cases = smo_cases(n=60, persons=6)
    pair = write(tmp_path / "out", cases)
    _, _, zaps, persons, findings = read_back(pair, tmp_path)
    assert findings == []
    ids = [p.get("ID_PAC") for p in persons]
    first_use = list(dict.fromkeys(z.get("PACIENT/ID_PAC") for z in zaps))
    assert ids == first_use
    assert len(ids) == len(set(ids)) == pair.persons < len(zaps)


def test_the_tfoms_file_for_nonresidents_has_no_plat(tmp_path):
    cases = nonresident_cases(n=80, persons=40)
    assert cases
    pair = write(tmp_path / "out", cases, payer_kind="T", payer_code="14")
    h, l_, zaps, _, findings = read_back(pair, tmp_path)
    assert findings == []
    assert pair.name == "HM140001T14_26101"
    assert pair.zip_path.name == "HM140001T14_26101.zip"
    assert l_.get("ZGLV/FILENAME1") == "HM140001T14_26101"
    assert h.get("SCHET/PLAT") is None
    # the demo ZAP of a non-resident has ST_OKATO before ENP: written in the format's order
    assert all(z.find("PACIENT").children[2].tag == "ENP" for z in zaps)


def test_zip_holds_exactly_the_two_files_and_is_deterministic(tmp_path):
    cases = smo_cases()
    one = write(tmp_path / "a", cases)
    two = write(tmp_path / "b", cases)
    with zipfile.ZipFile(one.zip_path) as zf:
        assert zf.namelist() == ["HM140001S14001_26101.xml", "LM140001S14001_26101.xml"]
        assert zf.read("HM140001S14001_26101.xml") == one.h_path.read_bytes()
        assert zf.read("LM140001S14001_26101.xml") == one.l_path.read_bytes()
        assert {i.date_time for i in zf.infolist()} == {(2026, 11, 3, 0, 0, 0)}
    assert one.zip_path.read_bytes() == two.zip_path.read_bytes()
    assert one.sha256 == two.sha256 == hashlib.sha256(one.zip_path.read_bytes()).hexdigest()
    h_path, l_path, zip_path = one
    assert (h_path, l_path, zip_path) == (one.h_path, one.l_path, one.zip_path)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        "HM140001S14001_26101.xml",
        "HM140001S14001_26101.zip",
        "LM140001S14001_26101.xml",
    ]


def test_files_are_windows_1251(tmp_path):
    pair = write(tmp_path / "out", smo_cases())
    head = pair.h_path.read_bytes()[:60]
    assert head.startswith(b'<?xml version="1.0" encoding="windows-1251"?>')
    assert (
        "Иванов".encode("cp1251") in pair.l_path.read_bytes() or "Иванова".encode("cp1251") in pair.l_path.read_bytes()
    )


def test_patient_smo_is_set_to_plat(tmp_path):
    cases = smo_cases()
    changed = []
    for z, p in cases:
        node = from_xml(z)
        pac = node.find("PACIENT")
        pac.children = [c for c in pac.children if c.tag != "SMO"]  # SMO absent
        changed.append((to_xml(node), p))
    changed[1] = (changed[1][0].replace("<NOVOR>", "<SMO>14002</SMO><NOVOR>"), changed[1][1])  # another СМО
    pair = write(tmp_path / "out", changed)
    _, _, zaps, _, findings = read_back(pair, tmp_path)
    assert findings == []
    assert {z.get("PACIENT/SMO") for z in zaps} == {"14001"}


def test_a_person_repeated_without_pers_is_accepted(tmp_path):
    cases = smo_cases(n=60, persons=6)
    seen = set()
    lean = []
    for z, p in cases:
        id_pac = from_xml(p).get("ID_PAC")
        lean.append((z, None if id_pac in seen else p))
        seen.add(id_pac)
    pair = write(tmp_path / "out", lean)
    _, _, _, persons, findings = read_back(pair, tmp_path)
    assert findings == [] and len(persons) == len(seen)


def test_different_persons_with_one_id_pac_are_kept_apart(tmp_path):
    cases = smo_cases()
    z1, p1 = cases[0]
    z2, p2 = cases[1]
    id1 = from_xml(p1).get("ID_PAC")
    id2 = from_xml(p2).get("ID_PAC")
    assert id1 != id2 and from_xml(p1).get("FAM") is not None
    # the second case comes from another uploaded file where its patient also has ID_PAC id1
    clash = (
        z2.replace(f"<ID_PAC>{id2}</ID_PAC>", f"<ID_PAC>{id1}</ID_PAC>"),
        p2.replace(f"<ID_PAC>{id2}</ID_PAC>", f"<ID_PAC>{id1}</ID_PAC>"),
    )
    pair = write(tmp_path / "out", [cases[0], clash, cases[0]], renumber_ids=True)
    _, _, zaps, persons, findings = read_back(pair, tmp_path)
    assert findings == []
    assert len(persons) == 2
    first, second, third = (z.get("PACIENT/ID_PAC") for z in zaps)
    assert first == third == id1 and second != id1 and len(second) == 36
    by_id = {p.get("ID_PAC"): p for p in persons}
    assert by_id[second].get("SNILS") == from_xml(p2).get("SNILS")
    assert by_id[id1].get("SNILS") == from_xml(p1).get("SNILS")


def test_repeated_idcase_is_refused_unless_renumbered(tmp_path):
    cases = smo_cases()
    twice = cases + cases  # e.g. two uploaded files with the same numbering
    with pytest.raises(RegistryFileError, match="IDCASE"):
        write(tmp_path / "refused", twice)
    assert list((tmp_path / "refused").iterdir()) == []
    pair = write(tmp_path / "out", twice, renumber_ids=True)
    _, _, zaps, _, findings = read_back(pair, tmp_path)
    assert findings == []
    assert [z.get("Z_SL/IDCASE") for z in zaps] == [str(i) for i in range(1, len(twice) + 1)]
    sl_ids = [sl.get("SL_ID") for z in zaps for sl in z.find_all("Z_SL/SL")]
    assert len(sl_ids) == len(set(sl_ids))


def test_no_cases_is_refused_and_leaves_nothing(tmp_path):
    with pytest.raises(RegistryFileError, match="нет случаев"):
        write(tmp_path / "out", [])
    assert list((tmp_path / "out").iterdir()) == []


def test_bad_input_is_refused(tmp_path):
    cases = smo_cases()
    z, p = cases[0]
    with pytest.raises(RegistryFileError, match="SUMV"):
        write(tmp_path / "a", [(z.replace("<SUMV>", "<SUMV>x"), p)])
    with pytest.raises(RegistryFileError, match="PERS"):
        write(tmp_path / "b", [(z, None)])
    with pytest.raises(RegistryFileError, match="PERS"):
        write(
            tmp_path / "c",
            [(z, cases[1][1])]
            if from_xml(cases[1][1]).get("ID_PAC") != from_xml(p).get("ID_PAC")
            else [(z, p.replace("<ID_PAC>", "<ID_PAC>X"))],
        )
    with pytest.raises(RegistryFileError, match="FOO"):
        write(tmp_path / "d", [(z.replace("<PR_NOV>", "<FOO>1</FOO><PR_NOV>"), p)])
    with pytest.raises(RegistryFileError, match="PLAT"):
        write(tmp_path / "e", cases, plat="14002")
    with pytest.raises(RegistryFileError, match="PLAT"):
        write(tmp_path / "f", cases, payer_kind="T", payer_code="14", plat="14001")
    with pytest.raises(RegistryFileError):
        write(tmp_path / "g", cases, payer_kind="X")
    with pytest.raises(RegistryFileError):
        write(tmp_path / "h", cases, payer_code="141")  # an СМО code has 5 digits


def test_file_names():
    assert registry_file_name("H", MO, "S", "14001", 2026, 10, 1) == "HM140001S14001_26101"
    assert registry_file_name("H", MO, "T", "14", 2026, 1, 12) == "HM140001T14_260112"
    assert registry_file_name("L", MO, "S", "14001", 2026, 10, 1) == "LM140001S14001_26101"
    assert registry_file_name("C", MO, "S", "14002", 2025, 12, 3) == "CM140001S14002_25123"


def test_cases_are_read_once_one_at_a_time(tmp_path):
    cases = smo_cases()
    pulled = []

    def source():
        for item in cases:
            pulled.append(1)
            yield item

    pair = write_registry_pair(
        tmp_path / "out",
        mo_code=MO,
        payer_kind="S",
        payer_code="14001",
        year=2026,
        month=10,
        number=1,
        nschet="101",
        dschet=DSCHET,
        cases=source(),
        version=VERSION,
    )
    assert len(pulled) == pair.cases == len(cases)


def test_the_read_back_checks_are_live(tmp_path):
    """The harness above does find defects: a wrong SUMMAV and a PACIENT/SMO other than PLAT."""
    pair = write(tmp_path / "out", smo_cases())
    text = pair.h_path.read_bytes()
    summav = f"<SUMMAV>{pair.summav:.2f}</SUMMAV>".encode()
    text = text.replace(summav, b"<SUMMAV>1.00</SUMMAV>").replace(b"<SMO>14001</SMO>", b"<SMO>14002</SMO>", 1)
    pair.h_path.write_bytes(text)
    with zipfile.ZipFile(pair.zip_path, "w") as zf:
        zf.write(pair.h_path, pair.h_path.name)
        zf.write(pair.l_path, pair.l_path.name)
    *_, findings = read_back(pair, tmp_path)
    assert {f.code for f in findings} == {"006F.00.1040", "006F.00.0220"}
