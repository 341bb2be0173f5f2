import struct
import zipfile

import pytest

from app.formats import archive
from app.formats.archive import ArchiveError, open_pair

H = "HM750001S75001_24011.xml"
L = "LM750001S75001_24011.xml"
XML = b'<?xml version="1.0" encoding="windows-1251"?><ZL_LIST/>'


def make_zip(path, members, compression=zipfile.ZIP_DEFLATED):
    """``members``: list of (name, bytes)."""
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return path


def refused(zip_path, workdir, **kw) -> str:
    with pytest.raises(ArchiveError) as e:
        open_pair(zip_path, workdir, **kw)
    assert list(workdir.iterdir()) == [] if workdir.exists() else True
    return e.value.note


@pytest.fixture
def work(tmp_path):
    return tmp_path / "work"


def test_valid_pair_is_extracted(tmp_path, work):
    z = make_zip(tmp_path / "HM750001S75001_24011.zip", [(L, b"<PERS_LIST/>"), (H, XML)])
    pair = open_pair(z, work)
    assert pair.h_path == work / H and pair.l_path == work / L
    assert pair.h_path.read_bytes() == XML
    assert pair.l_path.read_bytes() == b"<PERS_LIST/>"
    assert pair.h_stem == "HM750001S75001_24011" and pair.l_stem == "LM750001S75001_24011"
    assert pair.h_file.type == "H" and pair.l_file.type == "L"
    assert pair.h_name == H


def test_d_file_pair_and_upper_case_extension(tmp_path, work):
    z = make_zip(tmp_path / "a.zip", [("DPM750001S75001_24011.XML", XML), ("LM750001S75001_24011.XML", XML)])
    pair = open_pair(z, work)
    assert pair.h_file.kind == "X"


def test_not_a_zip(tmp_path, work):
    p = tmp_path / "x.zip"
    p.write_bytes(b"this is not a zip at all")
    assert refused(p, work) == "Файл не является ZIP-архивом или поврежден"


def test_damaged_zip(tmp_path, work):
    z = make_zip(tmp_path / "a.zip", [(H, XML * 100), (L, XML * 100)])
    data = bytearray(z.read_bytes())
    data[40:80] = b"\0" * 40  # inside the first member's compressed data
    z.write_bytes(bytes(data))
    assert refused(z, work) == "Файл не является ZIP-архивом или поврежден"


def test_empty_file_is_not_a_zip(tmp_path, work):
    p = tmp_path / "x.zip"
    p.write_bytes(b"")
    assert "не является ZIP-архивом" in refused(p, work)


def _set_encrypted_flag(path, member_index=0):
    """Set bit 0x1 of the general purpose flags in the local and central headers."""
    data = bytearray(path.read_bytes())
    local = [i for i in range(len(data)) if data[i : i + 4] == b"PK\x03\x04"][member_index]
    central = [i for i in range(len(data)) if data[i : i + 4] == b"PK\x01\x02"][member_index]
    for offset in (local + 6, central + 8):
        flags = struct.unpack_from("<H", data, offset)[0]
        struct.pack_into("<H", data, offset, flags | 0x1)
    path.write_bytes(bytes(data))


def test_encrypted_member(tmp_path, work):
    z = make_zip(tmp_path / "a.zip", [(H, XML), (L, XML)])
    _set_encrypted_flag(z, 1)
    with zipfile.ZipFile(z) as zf:  # the flag really is set
        assert zf.infolist()[1].flag_bits & 0x1
    note = refused(z, work)
    assert note == f"Файл «{L}» в архиве зашифрован (защищён паролем)"


@pytest.mark.parametrize(
    "members,count",
    [
        ([(H, XML)], 1),
        ([(H, XML), (L, XML), ("LM750001S75001_24012.xml", XML)], 3),
        ([], 0),
    ],
)
def test_not_exactly_two_files(tmp_path, work, members, count):
    z = make_zip(tmp_path / "a.zip", members)
    assert refused(z, work) == (f"В архиве должно быть ровно 2 файла (файл сведений и L-файл), найдено {count}")


@pytest.mark.parametrize(
    "bad",
    [
        "sub/" + H,
        "../" + H,
        "/tmp/" + H,
        "sub\\" + H,
        "C:" + H,
        "..",
    ],
)
def test_member_with_path_is_refused_and_not_extracted(tmp_path, work, bad):
    z = make_zip(tmp_path / "a.zip", [(bad, XML), (L, XML)])
    note = refused(z, work)
    assert note.startswith("В архиве есть каталог или файл с путём")
    assert f"«{bad}»" in note
    assert not (tmp_path / H).exists() and not (tmp_path.parent / H).exists()


def test_directory_entry_counts_as_member_with_path(tmp_path, work):
    z = make_zip(tmp_path / "a.zip", [("data/", b""), (H, XML), (L, XML)])
    assert "«data/»" in refused(z, work)


def test_file_not_xml(tmp_path, work):
    z = make_zip(tmp_path / "a.zip", [("HM750001S75001_24011.txt", XML), (L, XML)])
    assert refused(z, work) == (
        "Файл «HM750001S75001_24011.txt» в архиве не является XML-файлом (ожидается расширение .xml)"
    )


def test_name_not_of_federal_pattern(tmp_path, work):
    z = make_zip(tmp_path / "a.zip", [("reestr.xml", XML), (L, XML)])
    note = refused(z, work)
    assert note.startswith("Имя файла не соответствует федеральному шаблону")
    assert "reestr" in note


def test_names_differ_beyond_type_letters(tmp_path, work):
    z = make_zip(tmp_path / "a.zip", [(H, XML), ("LM750001S75001_24012.xml", XML)])
    assert refused(z, work) == (
        f"Имена файлов «{H}» и «LM750001S75001_24012.xml» различаются не только буквами типа файла"
    )


def test_no_l_file(tmp_path, work):
    z = make_zip(tmp_path / "a.zip", [(H, XML), ("CM750001S75001_24011.xml", XML)])
    assert refused(z, work) == "В архиве нет L-файла (файла персональных данных)"


def test_no_cases_file(tmp_path, work):
    z = make_zip(tmp_path / "a.zip", [(L, XML), ("LM750001S75001_24012.xml", XML)])
    assert refused(z, work).startswith("В архиве нет файла сведений об оказанной медицинской помощи")


def test_same_name_twice(tmp_path, work):
    with pytest.warns(UserWarning):
        z = make_zip(tmp_path / "a.zip", [(H, XML), (H, XML)])
    assert "два файла с одинаковым именем" in refused(z, work)


def test_zip_bomb_by_ratio_from_headers(tmp_path, work):
    zeros = b"\0" * (5 * 1024 * 1024)
    z = make_zip(tmp_path / "a.zip", [(H, zeros), (L, XML)])
    assert z.stat().st_size < 100 * 1024
    note = refused(z, work, max_ratio=200)
    assert note.startswith(f"Степень сжатия файла «{H}» превышает допустимую (200:1)")


def test_total_size_limit_from_headers(tmp_path, work):
    z = make_zip(tmp_path / "a.zip", [(H, b"<a>" + b"x" * 5000 + b"</a>"), (L, XML)])
    note = refused(z, work, max_total_bytes=4096)
    assert note == "Размер файлов архива после распаковки превышает допустимый (4 КБ)"


def test_real_bytes_counted_when_headers_lie(tmp_path, work, monkeypatch):
    """Headers that claim tiny sizes pass the early check; extraction still stops."""
    monkeypatch.setattr(archive, "_declared_size", lambda info: 1)
    zeros = b"\0" * (3 * 1024 * 1024)
    z = make_zip(tmp_path / "a.zip", [(H, XML), (L, zeros)])  # L is extracted second
    note = refused(z, work, max_ratio=200)
    assert note.startswith(f"Степень сжатия файла «{L}»")
    assert not (work / H).exists(), "the first extracted file must be deleted"
    assert not (work / L).exists()


def test_real_total_counted_when_headers_lie(tmp_path, work, monkeypatch):
    monkeypatch.setattr(archive, "_declared_size", lambda info: 1)
    import os

    z = make_zip(tmp_path / "a.zip", [(H, os.urandom(300_000)), (L, XML)], compression=zipfile.ZIP_STORED)
    note = refused(z, work, max_total_bytes=200_000)
    assert note.startswith("Размер файлов архива после распаковки превышает допустимый")
    assert list(work.iterdir()) == []


def test_existing_file_in_workdir_is_not_overwritten(tmp_path, work):
    work.mkdir()
    (work / H).write_bytes(b"keep")
    z = make_zip(tmp_path / "a.zip", [(H, XML), (L, XML)])
    with pytest.raises(ArchiveError, match="уже есть в рабочем каталоге"):
        open_pair(z, work)
    assert (work / H).read_bytes() == b"keep"
