"""``oms import-attachment`` / ``oms import-licences``: good rows written, bad rows rejected with
their line and reason, a second import changes nothing, UTF-8 and windows-1251 both read."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from app.models.registers import MoAttachment, MoLicence
from app.services.reference.registers import (
    ATTACHMENT,
    RegisterImportError,
    attachment_row,
    detect_encoding,
    import_attachment,
    import_licences,
    import_rows,
)

ATTACHMENT_CSV = """ENP;LPU;DATE_BEG;DATE_END;LPU_1;UCH
7700000000000001;149901;2020-01-01;;149911;Участок 5
7700000000000002;149901;01.02.2021;31.12.2025;;
7700000000000002;149902;2026-01-01;;;7
77000000000000XX;149901;2020-01-01;;;
7700000000000003;14990;2020-01-01;;;
7700000000000004;149901;2020-13-01;;;
7700000000000005;149901;2020-05-01;2020-04-30;;

7700000000000006;149901;;;;
7700000000000007;149901;2020-01-01;;;;лишнее
"""


def _write(tmp_path, text, encoding="utf-8", name="data.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _attachment(enp):
    from app.extensions import db

    return (
        db.session.execute(select(MoAttachment).where(MoAttachment.enp == enp).order_by(MoAttachment.mo_code))
        .scalars()
        .all()
    )


def test_good_rows_are_written_and_bad_rows_rejected_with_their_reasons(clean_registers, tmp_path):
    result = import_attachment(_write(tmp_path, ATTACHMENT_CSV))
    assert (result.rows, result.accepted, result.written, result.rejected) == (9, 3, 3, 6)
    assert result.encoding == "utf-8-sig"
    errors = "\n".join(result.errors)
    assert "строка 5: ENP: нужен единый номер полиса из 16 цифр, указано «77000000000000XX»" in errors
    assert "строка 6: LPU: нужен код МО из 6 цифр (F003), указано «14990»" in errors
    assert "строка 7: DATE_BEG: дата «2020-13-01» не в формате" in errors
    assert "строка 8: DATE_END 30.04.2020 раньше DATE_BEG 01.05.2020" in errors
    assert "строка 10: DATE_BEG: не указана дата начала" in errors  # the empty line 9 is skipped
    assert "строка 11: значений больше, чем полей в заголовке (лишние: «лишнее»)" in errors
    (one,) = _attachment("7700000000000001")
    assert (one.mo_code, one.date_begin, one.date_end, one.subdivision_code, one.site) == (
        "149901",
        dt.date(2020, 1, 1),
        None,
        "149911",
        "Участок 5",
    )
    two = _attachment("7700000000000002")
    assert [(a.mo_code, a.date_begin, a.date_end) for a in two] == [
        ("149901", dt.date(2021, 2, 1), dt.date(2025, 12, 31)),
        ("149902", dt.date(2026, 1, 1), None),
    ]


def test_a_second_import_writes_nothing_and_a_changed_row_updates_in_place(clean_registers, tmp_path):
    path = _write(tmp_path, ATTACHMENT_CSV)
    first = import_attachment(path)
    again = import_attachment(path)
    assert (again.rows, again.accepted, again.written, again.rejected) == (9, 3, 0, 6)
    assert first.written == 3
    changed = ATTACHMENT_CSV.replace(
        "7700000000000001;149901;2020-01-01;;149911;Участок 5",
        "7700000000000001;149901;2020-01-01;2026-06-30;149911;Участок 5",
    )
    result = import_attachment(_write(tmp_path, changed, name="changed.csv"))
    assert result.written == 1
    (one,) = _attachment("7700000000000001")
    assert one.date_end == dt.date(2026, 6, 30)


def test_the_same_key_twice_in_a_batch_keeps_the_last_row(clean_registers):
    rows = [
        (2, {"ENP": "7700000000000011", "LPU": "149901", "DATE_BEG": "2020-01-01", "UCH": "1"}),
        (3, {"ENP": "7700000000000011", "LPU": "149901", "DATE_BEG": "2020-01-01", "UCH": "2"}),
    ]
    result = import_rows(ATTACHMENT, rows, attachment_row)
    assert (result.accepted, result.written) == (2, 1)
    assert [a.site for a in _attachment("7700000000000011")] == ["2"]


def test_batches_are_written_one_after_another(clean_registers):
    rows = [(n, {"ENP": f"77000000001{n:05d}", "LPU": "149903", "DATE_BEG": "2020-01-01"}) for n in range(1, 26)]
    result = import_rows(ATTACHMENT, rows, attachment_row, batch=10)
    assert (result.rows, result.written) == (25, 25)
    from app.extensions import db

    count = db.session.execute(select(MoAttachment.id).where(MoAttachment.mo_code == "149903")).all()
    assert len(count) == 25


def test_windows_1251_is_recognised_and_a_bom_is_fine(clean_registers, tmp_path):
    cp = _write(tmp_path, ATTACHMENT_CSV, encoding="cp1251", name="cp.csv")
    assert detect_encoding(cp) == "cp1251"
    result = import_attachment(cp)
    assert (result.encoding, result.written, result.rejected) == ("cp1251", 3, 6)
    assert _attachment("7700000000000001")[0].site == "Участок 5"
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + ATTACHMENT_CSV.encode("utf-8"))
    assert import_attachment(bom).rejected == 6  # the BOM is not part of the first field's name
    with pytest.raises(RegisterImportError, match="не в кодировке utf-8"):
        import_attachment(cp, encoding="utf-8")
    with pytest.raises(RegisterImportError, match="Неизвестная кодировка"):
        import_attachment(cp, encoding="koi9")


@pytest.mark.parametrize(
    "header, message",
    [
        ("", "Файл пуст"),
        ("ENP;LPU;DATE_BEG;POLICY\n", "Неизвестные поля в заголовке: POLICY"),
        ("ENP;DATE_BEG\n", "нет обязательных полей: LPU"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_as_a_whole(clean_registers, tmp_path, header, message):
    with pytest.raises(RegisterImportError, match=message):
        import_attachment(_write(tmp_path, header))


LICENCES_CSV = """lpu;usl_ok;profil;n_lic;date_beg;date_end
149901;1;29;Л041-01187-14/00345678;2020-01-01;
149901;3;97;Л041-01187-14/00345678;2020-01-01;2025-12-31
149901;5;97;;2020-01-01;
149901;1;999;;2020-01-01;
149901;1;ab;;2020-01-01;
149901;2;97;;;
"""


def test_licences_are_checked_against_v006_and_v002(clean_registers, tmp_path):
    result = import_licences(_write(tmp_path, LICENCES_CSV))
    assert (result.rows, result.written, result.rejected) == (6, 2, 4)
    errors = "\n".join(result.errors)
    assert "строка 4: USL_OK: «5» — допустимо 1, 2, 3, 4 (V006)" in errors
    assert "строка 5: PROFIL: профиля 999 нет в справочнике V002" in errors
    assert "строка 6: PROFIL: «ab» — не код (целое число)" in errors
    assert "строка 7: DATE_BEG: не указана дата начала" in errors
    from app.extensions import db

    rows = (
        db.session.execute(select(MoLicence).where(MoLicence.mo_code == "149901").order_by(MoLicence.usl_ok))
        .scalars()
        .all()
    )
    assert [(r.usl_ok, r.profil, r.licence_number, r.date_end) for r in rows] == [
        (1, 29, "Л041-01187-14/00345678", None),
        (3, 97, "Л041-01187-14/00345678", dt.date(2025, 12, 31)),
    ]
    assert rows[0].usl_ok_label == "1 — Стационарно"
    assert import_licences(_write(tmp_path, LICENCES_CSV, encoding="cp1251", name="cp.csv")).written == 0


def test_the_commands_print_the_result_and_document_the_format(app, clean_registers, tmp_path):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["oms", "import-licences", str(_write(tmp_path, LICENCES_CSV))])
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    assert (result["rows"], result["rejected"]) == (6, 4) and len(result["errors"]) == 4
    out = runner.invoke(args=["oms", "import-attachment", str(_write(tmp_path, "ENP;LPU\n", name="bad.csv"))])
    assert out.exit_code != 0 and "нет обязательных полей: DATE_BEG" in out.output
    for command, fields in (
        ("import-attachment", "ENP;LPU;DATE_BEG;DATE_END;LPU_1;UCH"),
        ("import-licences", "LPU;USL_OK;PROFIL;N_LIC;DATE_BEG;DATE_END"),
    ):
        help_text = runner.invoke(args=["oms", command, "--help"]).output
        assert fields in help_text and "windows-1251" in help_text, help_text
