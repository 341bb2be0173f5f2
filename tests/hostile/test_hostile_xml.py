"""Hostile XML inside a well-formed archive: external entities, entity bombs, truncated and
mis-encoded files, empty files, deep nesting, huge texts.  A file-level defect is a fatal ФЛК
error with its line: every case of the file is rejected and the file ends «Ошибка формирования
файла для ЕРЗ» / «Нет случаев для отправки в РС ЕРЗ»; nothing outside the file changes, and the
next valid file loads."""

from __future__ import annotations

import uuid

import pytest

from app.formats import codes
from app.models.vocabulary import FileStatus
from tests.intake.helpers import (
    assert_all_rejected,
    change_record,
    codes_of,
    demo_pair,
    errors_of,
    flk_rejected_cases,
    job_of,
    status_trail,
    sub,
    tables_containing,
    timer,
    unchanged_elsewhere,
    work_dir,
)

DECL = '<?xml version="1.0" encoding="windows-1251"?>\n'


def rejected_file(intake, pair, login="mo1_operator"):
    """Upload; the file must end with every case rejected on ФЛК and nothing else changed."""
    with unchanged_elsewhere() as new:
        row = intake.upload_pair(pair, login)
    assert new == [row.id]
    assert_all_rejected(row)
    assert not work_dir(row.id).exists()
    assert job_of(row).status == "finished"
    intake.valid_load(login)
    return row


def fatal_errors(row):
    return [e for e in errors_of(row.id) if e.fatal]


def with_doctype(data: bytes, doctype: str, *, entity_in: tuple[str, str] | None = None) -> bytes:
    """Insert ``doctype`` after the XML declaration; ``entity_in=(old, new)`` puts the entity
    reference into an element."""
    data = sub(data, DECL, DECL + doctype + "\n")
    if entity_in:
        data = sub(data, *entity_in)
    return data


# -- XXE ----------------------------------------------------------------------------------------------
@pytest.fixture()
def secret(tmp_path):
    value = f"SECRET-XXE-{uuid.uuid4().hex}"
    path = tmp_path / "secret.txt"
    path.write_text(value + "\n", encoding="ascii")
    dtd = tmp_path / "evil.dtd"
    dtd.write_text(f'<!ENTITY xxe SYSTEM "file://{path}">', encoding="ascii")
    return value, path, dtd


XXE_VARIANTS = {
    "general entity in H": (
        "h",
        '<!DOCTYPE ZL_LIST [<!ENTITY xxe SYSTEM "file://{path}">]>',
        ("<NSCHET>", "<NSCHET>&xxe;"),
    ),
    "general entity in L": (
        "l",
        '<!DOCTYPE PERS_LIST [<!ENTITY xxe SYSTEM "file://{path}">]>',
        ("<FAM>", "<FAM>&xxe;"),
    ),
    "external DTD": ("h", '<!DOCTYPE ZL_LIST SYSTEM "file://{dtd}">', ("<NSCHET>", "<NSCHET>&xxe;")),
    "parameter entity": (
        "h",
        '<!DOCTYPE ZL_LIST [<!ENTITY % p SYSTEM "file://{dtd}"> %p;]>',
        ("<NSCHET>", "<NSCHET>&xxe;"),
    ),
    "after a comment": (
        "h",
        '<!-- МИС --><!DOCTYPE ZL_LIST [<!ENTITY xxe SYSTEM "file://{path}">]>',
        ("<NSCHET>", "<NSCHET>&xxe;"),
    ),
    "in a record": (
        "h",
        '<!DOCTYPE ZL_LIST [<!ENTITY xxe SYSTEM "file://{path}">]>',
        ("<NHISTORY>", "<NHISTORY>&xxe;"),
    ),
}


@pytest.mark.parametrize("variant", list(XXE_VARIANTS))
def test_xxe_local_file_never_read(intake, tmp_path, secret, variant):
    value, path, dtd = secret
    which, doctype, entity = XXE_VARIANTS[variant]
    pair = demo_pair(tmp_path)
    data = with_doctype(getattr(pair, which), doctype.format(path=path, dtd=dtd), entity_in=entity)
    pair = pair.with_h(data) if which == "h" else pair.with_l(data)
    row = rejected_file(intake, pair)
    [err] = fatal_errors(row)
    assert (err.code, err.file_kind, err.comment) == (codes.DOCTYPE, which.upper(), codes.message("doctype"))
    assert err.line in (1, 2)
    assert tables_containing(value) == []  # not in notes, errors, cases, payloads, jobs
    from app.services.intake.pipeline import summary

    assert value not in repr(summary(row))


def test_xxe_with_utf8_bom_declaration(intake, tmp_path, secret):
    value, path, _ = secret
    pair = demo_pair(tmp_path)
    text = pair.h.decode("cp1251").replace('encoding="windows-1251"', 'encoding="UTF-8"')
    text = text.replace("?>\n", f'?>\n<!DOCTYPE ZL_LIST [<!ENTITY xxe SYSTEM "file://{path}">]>\n', 1)
    text = text.replace("<NSCHET>", "<NSCHET>&xxe;", 1)
    row = rejected_file(intake, pair.with_h(b"\xef\xbb\xbf" + text.encode("utf-8")))
    assert codes.DOCTYPE in codes_of(row.id)
    assert tables_containing(value) == []


# -- entity expansion ("billion laughs") --------------------------------------------------------------
def _laughs(levels: int = 10) -> str:
    ents = ['<!ENTITY lol0 "lollollollollollollollollollol">']
    ents += [f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, levels)]
    return "<!DOCTYPE ZL_LIST [\n" + "\n".join(ents) + "\n]>"


@pytest.mark.parametrize("where", ["header", "record", "L file"])
def test_entity_expansion_bomb(intake, tmp_path, where):
    pair = demo_pair(tmp_path)
    if where == "L file":
        pair = pair.with_l(
            with_doctype(pair.l, _laughs().replace("ZL_LIST", "PERS_LIST"), entity_in=("<FAM>", "<FAM>&lol9;"))
        )
    else:
        target = ("<NSCHET>", "<NSCHET>&lol9;") if where == "header" else ("<NHISTORY>", "<NHISTORY>&lol9;")
        pair = pair.with_h(with_doctype(pair.h, _laughs(), entity_in=target))
    with timer(20, "a billion-laughs file"):
        row = rejected_file(intake, pair)
    assert [e.code for e in fatal_errors(row)] == [codes.DOCTYPE]
    assert tables_containing("lollollol") == []


# -- truncated ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("which, cut", [("h", 0.6), ("l", 0.5), ("h", 0.02), ("h", -3)])
def test_truncated_xml(intake, tmp_path, which, cut):
    pair = demo_pair(tmp_path, cases=8)
    data = getattr(pair, which)
    data = data[:cut] if isinstance(cut, int) else data[: int(len(data) * cut)]
    pair = pair.with_h(data) if which == "h" else pair.with_l(data)
    row = rejected_file(intake, pair)
    [err] = fatal_errors(row)
    assert err.code == codes.XML and err.file_kind == which.upper()
    assert err.line and err.line >= 1
    assert err.comment.startswith(("Нарушена структура XML (строка", "В файле нет корневого элемента XML"))
    if which == "h" and cut == 0.6:  # the records read before the cut are kept, rejected
        assert 0 < row.records < 8


# -- encodings ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["h", "l"])
def test_windows_1251_declared_with_utf8_bytes(intake, tmp_path, which):
    pair = demo_pair(tmp_path)
    data = getattr(pair, which).decode("cp1251").encode("utf-8")  # declaration still windows-1251
    assert b'encoding="windows-1251"' in data
    row = rejected_file(intake, pair.with_h(data) if which == "h" else pair.with_l(data))
    [err] = fatal_errors(row)
    assert err.code == codes.ENCODING and err.file_kind == which.upper()
    assert err.comment == codes.message("encoding_1251_is_utf8", line=err.line)
    assert err.line > 1


def test_utf8_declared_with_windows_1251_bytes(intake, tmp_path):
    pair = demo_pair(tmp_path)
    row = rejected_file(intake, pair.with_l(sub(pair.l, 'encoding="windows-1251"', 'encoding="UTF-8"')))
    [err] = fatal_errors(row)
    assert err.code == codes.ENCODING
    assert err.comment.startswith("Объявлена кодировка UTF-8, но содержимое не в UTF-8")


@pytest.mark.parametrize(
    "declared, expected",
    [
        ("KOI8-R", "Кодировка «KOI8-R» не поддерживается; допустимы windows-1251 и UTF-8"),
        ("UTF-16", "Файл в кодировке UTF-16/UTF-32 не поддерживается; допустимы windows-1251 и UTF-8"),
    ],
)
def test_unsupported_encoding(intake, tmp_path, declared, expected):
    pair = demo_pair(tmp_path)
    if declared == "UTF-16":
        data = pair.h.decode("cp1251").replace("windows-1251", "UTF-16").encode("utf-16")
    else:
        data = sub(pair.h, "windows-1251", declared)
    row = rejected_file(intake, pair.with_h(data))
    [err] = fatal_errors(row)
    assert (err.code, err.comment) == (codes.ENCODING, expected)


def test_utf8_with_bom_loads(intake, tmp_path):
    """The positive side: UTF-8 with a BOM (and the declaration saying so) is accepted."""
    pair = demo_pair(tmp_path)
    data = b"\xef\xbb\xbf" + pair.l.decode("cp1251").replace("windows-1251", "UTF-8").encode("utf-8")
    row = intake.upload_pair(pair.with_l(data))
    assert (row.status, row.flk_rejected) == (FileStatus.DONE, 0), row.note


# -- empty files --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "which, content, comment",
    [
        ("h", b"", "Файл пуст"),
        ("l", b"", "Файл пуст"),
        ("both", b"", "Файл пуст"),
        ("h", b"   \r\n\t  ", "В файле нет корневого элемента XML"),
        ("h", DECL.encode(), "В файле нет корневого элемента XML"),
        ("l", (DECL + "<PERS_LIST/>").encode(), "Не указана версия формата: нет элемента ZGLV/VERSION перед записями"),
    ],
)
def test_empty_member(intake, tmp_path, which, content, comment):
    pair = demo_pair(tmp_path)
    if which in ("h", "both"):
        pair = pair.with_h(content)
    if which in ("l", "both"):
        pair = pair.with_l(content)
    row = rejected_file(intake, pair)
    errs = fatal_errors(row)
    assert {e.comment for e in errs} == {comment}
    assert {e.file_kind for e in errs} == ({"H", "L"} if which == "both" else {which.upper()})
    assert row.records == (5 if which == "l" else 0)  # an H file read whole keeps its cases


def test_header_without_records(intake, tmp_path):
    pair = demo_pair(tmp_path, cases=2)
    h = pair.h
    h = h[: h.index(b"<ZAP>")] + b"</ZL_LIST>\n"
    row = rejected_file(intake, pair.with_h(h))
    assert "В файле нет ни одной записи ZAP" in {e.comment for e in fatal_errors(row)}
    assert row.records == 0


# -- deep nesting, long texts --------------------------------------------------------------------------
def test_deeply_nested_record(intake, tmp_path):
    pair = demo_pair(tmp_path, cases=4)
    depth = 5000
    h = change_record(pair.h, 2, "<PR_NOV>0</PR_NOV>", "<PR_NOV>0</PR_NOV>" + "<X>" * depth + "</X>" * depth)
    with timer(20, "a deeply nested record"):
        row = rejected_file(intake, pair.with_h(h))
    assert {e.code for e in fatal_errors(row)} <= {codes.XML, codes.SIZE}


def test_huge_text_node_is_an_error_of_its_case_only(intake, tmp_path):
    """A text over the reading limit is a ФЛК error of its record, not a crash: the other cases
    are accepted."""
    pair = demo_pair(tmp_path, cases=6)
    h = change_record(pair.h, 3, "<NHISTORY>", "<NHISTORY>" + "Ж" * 200_000)
    with unchanged_elsewhere():
        row = intake.upload_pair(pair.with_h(h))
    assert (row.status, row.records, row.flk_rejected) == (FileStatus.DONE, 6, 1), row.note
    errs = errors_of(row.id)
    assert {e.n_zap for e in errs} == {"3"}
    assert codes.TOO_LONG in {e.code for e in errs}
    assert all(len(e.value or "") <= 250 for e in errs)
    assert flk_rejected_cases(row.id) == {"3"}


def test_unknown_root_and_namespace(intake, tmp_path):
    pair = demo_pair(tmp_path)
    row = rejected_file(intake, pair.with_h(sub(pair.h, "<ZL_LIST>", '<ZL_LIST xmlns="urn:evil">')))
    assert {e.code for e in fatal_errors(row)} == {codes.ROOT}


def test_status_passes_through_flk(intake, tmp_path, monkeypatch):
    pair = demo_pair(tmp_path)
    with status_trail(monkeypatch) as trail:
        row = intake.upload_pair(pair.with_h(pair.h[:200]))
    assert row.status == FileStatus.ERR_ERZ
    assert trail[:2] == ["Проверка архива", FileStatus.FLK] and trail[-1] == FileStatus.ERR_ERZ
