"""File-level errors reject every case of the file: the file ends «Ошибка формирования файла для
ЕРЗ» / «Нет случаев для отправки в РС ЕРЗ», its cases are kept as «Отклонен ФЛК» with the fatal
error (no N_ZAP, with its line) in the protocol."""

from __future__ import annotations

import datetime as dt

import pytest

from app.formats import codes
from tests.intake.helpers import Pair, assert_all_rejected, demo_pair, errors_of, set_text, unchanged_elsewhere


def _other_month(pair: Pair) -> str:
    return str(pair.month % 12 + 1)


def _another(stem: str) -> str:
    """The same name with another package number (its last digit changed)."""
    return stem[:-1] + ("1" if stem[-1] != "1" else "2")


def _text(data: bytes, tag: str) -> str:
    return data.split(f"<{tag}>".encode(), 1)[1].split(b"<", 1)[0].decode("cp1251")


def _day_before(data: bytes, tag: str) -> str:
    return (dt.date.fromisoformat(_text(data, tag)) - dt.timedelta(days=1)).isoformat()


# name -> (change of the pair, expected code, element)
CHANGES = {
    "SD_Z wrong": (lambda p: p.with_h(set_text(p.h, "SD_Z", "999")), "006F.00.0110", "SD_Z"),
    "SUMMAV wrong": (lambda p: p.with_h(set_text(p.h, "SUMMAV", "1.00")), "006F.00.1040", "SUMMAV"),
    "FILENAME not the member name": (
        lambda p: p.with_h(set_text(p.h, "FILENAME", _another(p.h_stem))),
        "002F.14.0010",
        "FILENAME",
    ),
    "L FILENAME not the L member name": (
        lambda p: p.with_l(set_text(p.l, "FILENAME", _another(p.l_stem))),
        "002F.14.0011",
        "FILENAME",
    ),
    "L FILENAME1 not the H file": (
        lambda p: p.with_l(set_text(p.l, "FILENAME1", _another(p.h_stem))),
        "002F.14.0020",
        "FILENAME1",
    ),
    "month in the name not SCHET/MONTH": (
        lambda p: p.with_h(set_text(p.h, "MONTH", _other_month(p))),
        "006F.00.0090",
        "FILENAME",
    ),
    "year in the name not SCHET/YEAR": (
        lambda p: p.with_h(set_text(p.h, "YEAR", str(p.year - 1))),
        "006F.00.0070",
        "FILENAME",
    ),
    "CODE_MO not the sender": (lambda p: p.with_h(set_text(p.h, "CODE_MO", "140002")), "002F.14.0030", "CODE_MO"),
    "DSCHET after DATA": (
        lambda p: p.with_h(set_text(p.h, "DATA", _day_before(p.h, "DSCHET"))),
        "006F.00.0200",
        "DSCHET",
    ),
    "DATA in the future": (
        lambda p: p.with_h(set_text(p.h, "DATA", (dt.date.today() + dt.timedelta(days=30)).isoformat())),
        "006F.00.0010",
        "DATA",
    ),
    "VERSION unsupported": (lambda p: p.with_h(set_text(p.h, "VERSION", "9.9")), codes.VERSION, "VERSION"),
    "L VERSION unsupported": (lambda p: p.with_l(set_text(p.l, "VERSION", "2.0")), codes.VERSION, "VERSION"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_file_level_error_rejects_every_case(intake, tmp_path, change):
    alter, code, element = CHANGES[change]
    pair = alter(demo_pair(tmp_path, cases=6))
    with unchanged_elsewhere() as new:
        row = intake.upload_pair(pair)
    assert new == [row.id]
    assert_all_rejected(row)
    assert row.records == (0 if change == "VERSION unsupported" else 6)
    found = [e for e in errors_of(row.id) if e.code == code]
    assert found, {e.code for e in errors_of(row.id)}
    for e in found:
        assert e.fatal and e.element == element
        assert e.n_zap is None and e.case_id is None
        assert e.line is not None and e.comment
    intake.valid_load()
