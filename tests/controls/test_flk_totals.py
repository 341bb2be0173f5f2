"""File-level rules fed record by record: counts, sums, uniqueness, persons in the L file."""

from __future__ import annotations

from app.controls.catalogue import RuleBook
from app.controls.flk import FileTotals, catalogue
from tests.controls.factory import adult, amb_zap, at, ctx, header, hosp_zap, mutate


def feed(totals, zaps):
    out = []
    for z in zaps:
        out += totals.add(z)
    return out


def three():
    return [amb_zap(1), hosp_zap(2, "P2"), amb_zap(3, "P3")]


def valid_header():
    return header(sd_z="3", summav="48000.00")


def test_valid_file_gives_no_findings():
    t = FileTotals(ctx(), header=valid_header(), person_ids={"P1", "P2", "P3"})
    assert feed(t, three()) == [] and t.finish() == [] and t.findings == []
    assert (t.count, str(t.sumv)) == (3, "48000.00")


def test_sd_z_must_equal_the_number_of_records():
    h = header(sd_z="4", summav="48000.00")
    t = FileTotals(ctx(), header=h, person_ids={"P1", "P2", "P3"})
    feed(t, three())
    [f] = t.finish()
    assert (f.code, f.element, f.value, f.line, f.fatal) == ("006F.00.0110", "SD_Z", "4", at(h, "ZGLV/SD_Z").line, True)
    assert "3" in f.comment


def test_summav_must_equal_the_sum_of_sumv():
    h = header(sd_z="3", summav="48000.01")
    t = FileTotals(ctx(), person_ids={"P1", "P2", "P3"})
    feed(t, three())
    [f] = t.finish(h)  # the header may also be given at the end
    assert (f.code, f.element, f.base_element, f.value, f.fatal) == (
        "006F.00.1040",
        "SUMMAV",
        "SCHET",
        "48000.01",
        True,
    )
    assert "48000.00" in f.comment


def test_malformed_sumv_switches_the_sum_check_off():
    t = FileTotals(ctx(), header=header(sd_z="1", summav="1.00"), person_ids={"P1"})
    feed(t, [mutate(amb_zap(), ("Z_SL/SUMV", "abc"))])
    assert t.finish() == []


def test_duplicate_n_zap_points_at_the_second_record():
    t = FileTotals(ctx(), person_ids={"P1", "P2"})
    second = mutate(amb_zap(2, "P2"), ("N_ZAP", "1"))
    assert feed(t, [amb_zap(1)]) == []
    [f] = t.add(second)
    assert (f.code, f.n_zap, f.idcase, f.line, f.fatal) == ("002F.14.0040", "1", "2", at(second, "N_ZAP").line, False)


def test_duplicate_idcase():
    t = FileTotals(ctx(), person_ids={"P1", "P2"})
    second = mutate(amb_zap(2, "P2"), ("Z_SL/IDCASE", "1"))
    [f] = feed(t, [amb_zap(1), second])
    assert (f.code, f.n_zap, f.idcase, f.element) == ("002F.14.0050", "2", "1", "IDCASE")


def test_duplicate_sl_id():
    t = FileTotals(ctx(), person_ids={"P1", "P2"})
    first = amb_zap(1)
    second = mutate(amb_zap(2, "P2"), ("Z_SL/SL/SL_ID", at(first, "Z_SL/SL/SL_ID").text))
    [f] = feed(t, [first, second])
    assert (f.code, f.n_zap, f.sl_id, f.line) == ("002F.14.0060", "2", f.sl_id, at(second, "Z_SL/SL/SL_ID").line)


def test_duplicate_idserv_inside_one_sl_only():
    z = mutate(amb_zap(), ("+Z_SL/SL/USL", at(amb_zap(), "Z_SL/SL/USL")))
    t = FileTotals(ctx(), person_ids={"P1", "P2"})
    [f] = t.add(z)
    assert (f.code, f.idserv, f.line) == ("002F.14.0070", "1", at(z, "Z_SL/SL/USL[1]/IDSERV").line)
    # the same IDSERV in another case is fine
    assert t.add(amb_zap(2, "P2")) == []


def test_patient_must_exist_in_the_l_file_with_an_index():
    t = FileTotals(ctx(), person_ids={"P1"})
    z = amb_zap(2, "P9")
    [f] = t.add(z)
    assert (f.code, f.element, f.value, f.n_zap, f.id_pac, f.line) == (
        "002F.14.0080",
        "ID_PAC",
        "P9",
        "2",
        "P9",
        at(z, "PACIENT/ID_PAC").line,
    )


def test_patient_check_deferred_when_the_l_file_is_fed_after():
    t = FileTotals(ctx())
    assert feed(t, [amb_zap(1, "P1"), amb_zap(2, "P9")]) == []
    assert t.add_person(adult("P1")) == []
    [f] = t.finish()
    assert (f.code, f.n_zap, f.id_pac) == ("002F.14.0080", "2", "P9")


def test_patient_check_with_persons_fed_first():
    t = FileTotals(ctx())
    t.add_person(adult("P1"))
    assert feed(t, [amb_zap(1, "P1")]) == [] and t.finish() == []


def test_duplicate_person_in_the_l_file():
    t = FileTotals(ctx())
    t.add_person(adult("P1"))
    [f] = t.add_person(adult("P1"))
    assert (f.code, f.file_kind, f.id_pac) == ("002F.14.0090", "L", "P1")


def test_switched_off_file_rules_are_not_reported():
    codes = frozenset(s.code for s in catalogue()) - {"002F.14.0040", "006F.00.0110"}
    t = FileTotals(ctx(rules=RuleBook.only(codes)), header=header(sd_z="5", summav="3000.00"), person_ids={"P1"})
    assert feed(t, [amb_zap(1), amb_zap(1)]) != []  # IDCASE/SL_ID duplicates still on
    codes_found = {f.code for f in t.findings + t.finish()}
    assert "002F.14.0040" not in codes_found and "006F.00.0110" not in codes_found
    assert "002F.14.0050" in codes_found


def test_memory_is_keys_only():
    t = FileTotals(ctx(), person_ids={"P1"})
    feed(t, [amb_zap(i) for i in range(1, 50)])
    assert len(t._n_zap) == 49 and all(isinstance(k, str) for k in t._n_zap)


def test_one_shot_helper():
    from app.controls.flk import check_file_totals

    found = check_file_totals(header(sd_z="2", summav="48000.00"), three(), ctx(), persons=[adult("P1"), adult("P2")])
    assert sorted(f.code for f in found) == ["002F.14.0080", "006F.00.0110"]
