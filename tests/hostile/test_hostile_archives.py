"""Hostile archives: every one ends «Ошибка при загрузке файлов на сервер» with a note naming the
problem, writes nothing (no cases, no files outside the work folder), leaves every other file as
it was, and the next valid file still loads."""

from __future__ import annotations

import os
import struct
import uuid
import zipfile
from pathlib import Path

import pytest
from flask import current_app

from app.formats.archive import NOT_ZIP
from app.models.vocabulary import FileStatus
from tests.intake.helpers import (
    MO1,
    MO2,
    SUB1,
    SUB2,
    config,
    demo_pair,
    job_of,
    make_encrypted_zip,
    make_zip,
    nothing_written,
    status_trail,
    sub,
    unchanged_elsewhere,
    work_dir,
)


def refused(intake, archive, note, login="mo1_operator", *, name=None):
    """Upload, then check the refusal, its exact note, that nothing was written and that the
    rest of the database did not change; then a valid file still loads."""
    with unchanged_elsewhere() as new:
        row = intake.upload(archive, login, name=name)
    assert new == [row.id]
    assert row.status == FileStatus.ERR_UPLOAD, (row.status, row.note)
    if callable(note):
        assert note(row.note), row.note
    else:
        assert row.note == note
    assert (row.records, row.flk_rejected, row.flk_errors) == (0, 0, 0)
    assert row.finished_at is not None and row.progress == 100
    nothing_written(row.id)
    assert not work_dir(row.id).exists()
    job = job_of(row)
    assert job is not None and job.status == "finished", job and job.error  # the job did not crash
    intake.valid_load(login=login)  # the next valid file of this login loads
    return row


# -- not a ZIP -----------------------------------------------------------------------------------------
def _truncated_zip(pair, tmp):
    data = pair.zip(tmp).read_bytes()
    return data[: len(data) // 2]


def _corrupted_zip(pair, tmp):
    """Central directory intact, the compressed stream of the H member damaged."""
    data = bytearray(pair.zip(tmp).read_bytes())
    start = data.index(pair.h_name.encode()) + len(pair.h_name) + 40
    for i in range(start, start + 200):
        data[i] ^= 0x5A
    return bytes(data)


@pytest.mark.parametrize("kind", ["text", "xml", "png", "truncated", "corrupted", "zero bytes"])
def test_not_a_zip_is_refused(intake, tmp_path, kind):
    pair = demo_pair(tmp_path)
    data = {
        "text": lambda: "Это не архив, а письмо в ТФОМС".encode("utf-8") * 50,
        "xml": lambda: pair.h,
        "png": lambda: b"\x89PNG\r\n\x1a\n" + os.urandom(2000),
        "truncated": lambda: _truncated_zip(pair, tmp_path),
        "corrupted": lambda: _corrupted_zip(pair, tmp_path),
        "zero bytes": lambda: b"",
    }[kind]()
    refused(intake, data, NOT_ZIP, name=pair.archive_name)


# -- zip bombs (small limits configured for the test, restored afterwards) ---------------------------
def _padded(pair, size):
    """The H member with ``size`` bytes of blanks inside the root: compresses ~1000:1."""
    return pair.with_h(sub(pair.h, "<ZGLV>", " " * size + "<ZGLV>"))


def test_zip_bomb_over_the_unpacked_size_limit(intake, tmp_path):
    pair = _padded(demo_pair(tmp_path), 600 * 1024)
    with config(ARCHIVE_MAX_UNPACKED_BYTES=256 * 1024, ARCHIVE_MAX_RATIO=10_000):
        refused(intake, pair.zip(tmp_path), "Размер файлов архива после распаковки превышает допустимый (256 КБ)")
    assert current_app.config["ARCHIVE_MAX_UNPACKED_BYTES"] == 2 * 1024**3


def test_zip_bomb_over_the_compression_ratio(intake, tmp_path):
    pair = _padded(demo_pair(tmp_path), 2 * 1024 * 1024)
    with config(ARCHIVE_MAX_RATIO=50):
        refused(
            intake,
            pair.zip(tmp_path),
            f"Степень сжатия файла «{pair.h_name}» превышает допустимую (50:1); архив похож на «zip-бомбу»",
        )
    assert current_app.config["ARCHIVE_MAX_RATIO"] == 200


def _lie_about_sizes(path: Path, member: str, size: int) -> bytes:
    """Rewrite the uncompressed size of ``member`` in its local and central headers."""
    data = bytearray(path.read_bytes())
    raw = member.encode()
    with zipfile.ZipFile(path) as zf:
        local = zf.getinfo(member).header_offset
    struct.pack_into("<I", data, local + 22, size)
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(raw)] != raw:
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, size)
    return bytes(data)


def test_zip_bomb_whose_headers_lie_about_the_size(intake, tmp_path):
    """Headers claim 1 KB, the member really unpacks to 2 MB: real bytes are counted (or the
    member is found damaged), never trusted from the header."""
    pair = _padded(demo_pair(tmp_path), 2 * 1024 * 1024)
    data = _lie_about_sizes(pair.zip(tmp_path), pair.h_name, 1024)
    with config(ARCHIVE_MAX_UNPACKED_BYTES=256 * 1024, ARCHIVE_MAX_RATIO=50):
        refused(
            intake,
            data,
            lambda note: (
                note
                in (
                    NOT_ZIP,
                    "Размер файлов архива после распаковки превышает допустимый (256 КБ)",
                    f"Степень сжатия файла «{pair.h_name}» превышает допустимую (50:1); архив похож на «zip-бомбу»",
                )
            ),
            name=pair.archive_name,
        )


# -- names with paths ------------------------------------------------------------------------------
@pytest.mark.parametrize("evil", ["../../x.xml", "..\\..\\x.xml", "/tmp/{tag}.xml", "sub/{h}", "C:{tag}.xml", "../{h}"])
def test_member_with_a_path_is_refused_and_nothing_is_written_outside(intake, tmp_path, evil):
    pair = demo_pair(tmp_path)
    tag = f"oms-hostile-{uuid.uuid4().hex}"
    name = evil.format(tag=tag, h=pair.h_name)
    data_dir = Path(current_app.config["DATA_DIR"])
    watched = [data_dir, data_dir / "work", data_dir.parent, tmp_path, Path.cwd(), Path("/tmp")]
    before = {d: set(os.listdir(d)) for d in watched if d.is_dir()}
    archive = make_zip(tmp_path / pair.archive_name, [(name, pair.h), (pair.l_name, pair.l)])
    with zipfile.ZipFile(archive) as zf:
        assert zf.namelist()[0] == name  # the name really is in the archive as given
    row = refused(
        intake,
        archive,
        f"В архиве есть каталог или файл с путём «{name}»: допустимы только два XML-файла "
        "в корне архива, без каталогов",
    )
    for d, names in before.items():
        created = set(os.listdir(d)) - names
        assert not [n for n in created if "x.xml" in n or tag in n or n == pair.h_name], (d, created)
    assert not (work_dir(row.id) / ".." / ".." / "x.xml").resolve().exists()
    assert not Path(f"/tmp/{tag}.xml").exists()


def test_archive_name_with_a_path_is_stored_inside_the_data_folder(intake, tmp_path):
    pair = demo_pair(tmp_path)
    path = pair.zip(tmp_path)
    row = intake.upload(path, name=f"../../{pair.archive_name}")
    assert row.archive_name == pair.archive_name
    uploads = (Path(current_app.config["DATA_DIR"]) / "uploads").resolve()
    assert Path(row.archive_path).resolve().parent == uploads


# -- encrypted -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["h", "l", "both"])
def test_encrypted_member_is_refused(intake, tmp_path, which):
    pair = demo_pair(tmp_path)
    names = {"h": [pair.h_name], "l": [pair.l_name], "both": [pair.h_name, pair.l_name]}[which]
    archive = make_encrypted_zip(tmp_path / pair.archive_name, pair.members(), names)
    with zipfile.ZipFile(archive) as zf:  # a real ZipCrypto archive
        assert zf.read(names[0], pwd=b"secret") in (pair.h, pair.l)
    first = next(n for n, _ in pair.members() if n in names)
    refused(intake, archive, f"Файл «{first}» в архиве зашифрован (защищён паролем)")


# -- number of files, extensions, names ---------------------------------------------------------------------
def test_three_files_in_the_archive(intake, tmp_path):
    pair = demo_pair(tmp_path)
    other = demo_pair(tmp_path)
    archive = make_zip(tmp_path / pair.archive_name, pair.members() + [(other.h_name, other.h)])
    refused(intake, archive, "В архиве должно быть ровно 2 файла (файл сведений и L-файл), найдено 3")


@pytest.mark.parametrize("members", [0, 1])
def test_fewer_than_two_files(intake, tmp_path, members):
    pair = demo_pair(tmp_path)
    archive = make_zip(tmp_path / pair.archive_name, pair.members()[:members])
    refused(intake, archive, f"В архиве должно быть ровно 2 файла (файл сведений и L-файл), найдено {members}")


@pytest.mark.parametrize("ext", [".txt", ".xml.zip", ".XML.bak", ""])
def test_member_not_xml(intake, tmp_path, ext):
    pair = demo_pair(tmp_path)
    l_name = pair.l_stem + ext
    archive = make_zip(tmp_path / pair.archive_name, [(pair.h_name, pair.h), (l_name, pair.l)])
    refused(intake, archive, f"Файл «{l_name}» в архиве не является XML-файлом (ожидается расширение .xml)")


def test_upper_case_extension_is_accepted(intake, tmp_path):
    pair = demo_pair(tmp_path)
    archive = make_zip(tmp_path / pair.archive_name, [(pair.h_stem + ".XML", pair.h), (pair.l_stem + ".Xml", pair.l)])
    row = intake.upload(archive)
    assert row.status != FileStatus.ERR_UPLOAD, row.note


@pytest.mark.parametrize(
    "l_stem", ["LM140001T14_{yymm}2", "LM140011T14_{yymm}1", "LM140001S14001_{yymm}1", "LM140001T14_{other}1"]
)
def test_names_differ_beyond_the_type_letters(intake, tmp_path, l_stem):
    pair = demo_pair(tmp_path, number=1)
    yymm = pair.h_stem.rsplit("_", 1)[1][:4]
    other = f"{yymm[:2]}{(int(yymm[2:]) % 12) + 1:02d}"
    l_name = l_stem.format(yymm=yymm, other=other) + ".xml"
    archive = make_zip(tmp_path / pair.archive_name, [(pair.h_name, pair.h), (l_name, pair.l)])
    refused(intake, archive, f"Имена файлов «{pair.h_name}» и «{l_name}» различаются не только буквами типа файла")


def test_two_cases_files_and_no_l_file(intake, tmp_path):
    pair = demo_pair(tmp_path)
    c_name = "C" + pair.h_name[1:]
    archive = make_zip(tmp_path / pair.archive_name, [(pair.h_name, pair.h), (c_name, pair.h)])
    refused(intake, archive, "В архиве нет L-файла (файла персональных данных)")


def test_two_l_files(intake, tmp_path):
    pair = demo_pair(tmp_path)
    archive = make_zip(tmp_path / pair.archive_name, [(pair.l_name, pair.l), (pair.l_stem + "9.xml", pair.l)])
    refused(
        intake,
        archive,
        "В архиве нет файла сведений об оказанной медицинской помощи (типа H, C, T или D*): оба файла — L-файлы",
    )


@pytest.mark.parametrize(
    "h_name, reason",
    [
        (
            "report.xml",
            "Имя файла «report»: неизвестный тип файла; допустимы H, C, T, DP, DV, DO, DS, DU, DF, DA, DB, L",
        ),
        (
            "hm140001t14_26101.xml",
            "Имя файла «hm140001t14_26101»: буквы типа файла и участников пишутся прописными латинскими буквами",
        ),
        ("HM140001T14_26131.xml", "Имя файла «HM140001T14_26131»: месяц «13» вне диапазона 01–12"),
        (
            "HM14001T14_26101.xml",
            "Имя файла «HM14001T14_26101»: код отправителя (МО) «14001» должен состоять из 6 цифр(ы)",
        ),
        (
            "HM140001T1426101.xml",
            "Имя файла «HM140001T1426101» не соответствует шаблону "
            "<Тип><Pi><Ni><Pp><Np>_<ГГ><ММ><N>: нет символа «_» перед периодом",
        ),
        (
            "HM140001Т14_26101.xml",
            "Имя файла «HM140001Т14_26101» содержит недопустимые символы: допустимы "
            "только цифры, латинские буквы и «_»",
        ),  # a Cyrillic «Т»
    ],
)
def test_file_name_not_of_the_federal_pattern(intake, tmp_path, h_name, reason):
    pair = demo_pair(tmp_path)
    archive = make_zip(tmp_path / pair.archive_name, [(h_name, pair.h), (pair.l_name, pair.l)])
    refused(intake, archive, f"Имя файла не соответствует федеральному шаблону: {reason}")


# -- the sender ------------------------------------------------------------------------------------------
def test_sender_of_another_mo_is_refused(intake, tmp_path):
    pair = demo_pair(tmp_path, mo=MO2)
    refused(
        intake,
        pair.zip(tmp_path),
        f"Код отправителя {MO2} в имени файла {pair.h_stem} не является кодом вашей МО ({MO1}) или ее подразделения",
    )


def test_another_mo_cannot_upload_for_mo1(intake, tmp_path):
    pair = demo_pair(tmp_path)
    refused(
        intake,
        pair.zip(tmp_path),
        f"Код отправителя {MO1} в имени файла {pair.h_stem} не является кодом вашей МО ({MO2}) или ее подразделения",
        login="mo2_operator",
    )


def test_sender_that_is_not_an_mo(intake, tmp_path):
    pair = demo_pair(tmp_path)
    h_name = pair.h_name.replace(f"HM{MO1}", "HS14001")
    l_name = pair.l_name.replace(f"LM{MO1}", "LS14001")
    archive = make_zip(tmp_path / pair.archive_name, [(h_name, pair.h), (l_name, pair.l)])
    refused(
        intake, archive, f"Отправитель в имени файла {h_name[:-4]} должен быть медицинской организацией (M), указан «S»"
    )


@pytest.mark.parametrize("sender", [SUB2, MO1])
def test_subdivision_login_uploads_only_its_own_subdivision(intake, tmp_path, sender):
    pair = demo_pair(tmp_path, sender=sender)
    refused(
        intake,
        pair.zip(tmp_path),
        f"Код отправителя {sender} в имени файла {pair.h_stem} не совпадает с подразделением пользователя {SUB1}",
        login="mo1_sub1_operator",
    )


@pytest.mark.parametrize("login, sender", [("mo1_operator", SUB2), ("mo1_sub1_operator", SUB1), ("mo1_operator", MO1)])
def test_own_and_subdivision_senders_pass_the_sender_check(intake, tmp_path, login, sender):
    """The positive side of the sender check: the МО uploads for itself and its subdivisions, the
    subdivision login for its own subdivision; the row is tied to the subdivision."""
    from tests.factories import sub_by_code

    pair = demo_pair(tmp_path, sender=sender)
    row = intake.upload_pair(pair, login)
    assert row.status != FileStatus.ERR_UPLOAD, row.note
    assert row.sender_code == sender
    assert row.subdivision_id == (None if sender == MO1 else sub_by_code(sender).id)
    assert row.records == 5


def test_subdivision_files_are_accepted(intake, tmp_path):
    """A subdivision's own file (CODE_MO and LPU = its code, Q015 006F.00.0030) loads whole."""
    from tests.factories import sub_by_code

    for login, sender in (("mo1_sub1_operator", SUB1), ("mo1_operator", SUB2)):
        row = intake.valid_load(login=login, sender=sender)
        assert row.subdivision_id == sub_by_code(sender).id


def test_refused_archive_passes_through_the_archive_check(intake, tmp_path, monkeypatch):
    with status_trail(monkeypatch) as trail:
        row = intake.upload(b"not a zip", name="HM140001T14_26101.zip")
    assert trail == [FileStatus.ARCHIVE, FileStatus.ERR_UPLOAD]
    assert row.status == FileStatus.ERR_UPLOAD
