"""End to end with the real writer and streaming reader of app.formats: the factory records
are valid 3.2 files, the ФЛК finds nothing in them, and a defect is reported at its XML line."""

from __future__ import annotations

from datetime import date

from app.controls.flk import FileTotals, FlkContext, check_header, check_person, check_record
from app.demo.nsi import demo_nsi
from app.formats.definitions import get_definition
from app.formats.reader import read_file
from app.formats.writer import write_file
from tests.controls.factory import H_NAME, L_NAME, adult, amb_zap, header, hosp_zap, l_header, mutate


def run_flk(tmp_path, zaps, persons, h):
    write_file(tmp_path / f"{H_NAME}.xml", get_definition("H", "3.2"), h, zaps)
    write_file(tmp_path / f"{L_NAME}.xml", get_definition("L", "3.2"), l_header(), persons)
    lf = read_file(tmp_path / f"{L_NAME}.xml")
    hf = read_file(tmp_path / f"{H_NAME}.xml")
    assert not lf.fatal and not hf.fatal
    index = {p.get("ID_PAC"): p for p in lf.records}
    ctx = FlkContext.from_header(
        hf.header,
        lf.header,
        sender_mo="140001",
        nsi=demo_nsi(),
        today=date(2025, 2, 10),
        member_name=f"{H_NAME}.xml",
        l_member_name=f"{L_NAME}.xml",
    )
    found = check_header(hf.header, ctx) + check_header(lf.header, ctx)
    found += [f for p in index.values() for f in check_person(p, ctx)]
    totals = FileTotals(ctx, header=hf.header, person_ids=index)
    for zap in hf.records:
        found += check_record(zap, index.get(zap.get("PACIENT/ID_PAC")), ctx) + totals.add(zap)
    found += totals.finish()
    text = (tmp_path / f"{H_NAME}.xml").read_bytes().decode("cp1251").splitlines()
    return found, text


def test_valid_files_pass(tmp_path):
    found, _ = run_flk(
        tmp_path, [amb_zap(1), hosp_zap(2, "P2")], [adult("P1"), adult("P2")], header(sd_z="2", summav="46500.00")
    )
    assert found == []


def test_defect_points_at_the_xml_line(tmp_path):
    bad = mutate(hosp_zap(2, "P2"), ("Z_SL/NPR_DATE", "2025-01-11"))
    found, lines = run_flk(tmp_path, [amb_zap(1), bad], [adult("P1"), adult("P2")], header(sd_z="2", summav="46500.00"))
    [f] = found
    assert (f.code, f.n_zap, f.idcase, f.value) == ("006F.00.0310", "2", "2", "2025-01-11")
    assert "<NPR_DATE>2025-01-11</NPR_DATE>" in lines[f.line - 1]
