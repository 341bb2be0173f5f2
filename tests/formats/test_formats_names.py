import pytest

from app.formats.names import FileName, FileNameError, build_file_name, is_pair, pair_key, parse_file_name


def test_parse_h_file_name():
    f = parse_file_name("HM750096T75_21041")
    assert f == FileName(
        type="H",
        sender_kind="M",
        sender_code="750096",
        receiver_kind="T",
        receiver_code="75",
        year=2021,
        month=4,
        number="1",
    )
    assert f.kind == "H"
    assert f.stem == "HM750096T75_21041"
    assert not f.is_personal


@pytest.mark.parametrize(
    "name,type_,kind",
    [
        ("CM750096S75001_24123", "C", "C"),
        ("TM750096T75_2403100", "T", "T"),
        ("DPM750096S75001_24011", "DP", "X"),
        ("DVM750096S75001_24011", "DV", "X"),
        ("DOM750096S75001_24011", "DO", "X"),
        ("DSM750096S75001_24011", "DS", "X"),
        ("DUM750096S75001_24011", "DU", "X"),
        ("DFM750096S75001_24011", "DF", "X"),
        ("DAM750096S75001_24011", "DA", "X"),
        ("DBM750096S75001_24011", "DB", "X"),
        ("LM750096S75001_24011", "L", "L"),
        ("HS75001M750096_24011", "H", "H"),
        ("HT75M750096_24011", "H", "H"),
        ("HT75F01_24011", "H", "H"),
    ],
)
def test_parse_every_type(name, type_, kind):
    f = parse_file_name(name)
    assert f.type == type_
    assert f.kind == kind
    assert f.stem == name


def test_extension_is_case_insensitive_and_optional():
    assert parse_file_name("HM750096T75_21041.XML").stem == "HM750096T75_21041"
    assert parse_file_name("HM750096T75_21041.xml").stem == "HM750096T75_21041"
    assert parse_file_name("HM750096T75_21041.Zip").stem == "HM750096T75_21041"


@pytest.mark.parametrize(
    "name,fragment",
    [
        ("hm750096T75_21041", "прописными"),
        ("XM750096T75_21041", "неизвестный тип файла"),
        ("DXM750096T75_21041", "неизвестный тип файла"),
        ("HM750096T7521041", "нет символа «_»"),
        ("HM750096T75_2104", "год (ГГ), месяц (ММ)"),
        ("HM750096T75_21131", "месяц «13»"),
        ("HM750096T75_21001", "месяц «00»"),
        ("HM75009T75_21041", "код отправителя (МО) «75009» должен состоять из 6"),
        ("HM750096S7500_21041", "код получателя (СМО) «7500» должен состоять из 5"),
        ("HM750096T750_21041", "код получателя (ТФОМС) «750» должен состоять из 2"),
        ("HQ750096T75_21041", "Pi и Pp"),
        ("HM750096T75_21041-1", "недопустимые символы"),
        ("HM750096T75_2104Ё", "недопустимые символы"),
        ("HM750096S75001_2104123456789", "длиннее 26 символов"),
        ("", "не указано"),
    ],
)
def test_invalid_names_are_explained(name, fragment):
    with pytest.raises(FileNameError) as e:
        parse_file_name(name)
    assert fragment in str(e.value)


def test_lowercase_letters_rejected():
    with pytest.raises(FileNameError, match="прописными"):
        parse_file_name("lm750096T75_21041")
    with pytest.raises(FileNameError):
        parse_file_name("Hm750096T75_21041")


def test_26_characters_allowed():
    name = "HM750096S75001_2104123456"
    assert len(name) == 25
    assert parse_file_name(name + "7").number == "1234567"


def test_pair_key_and_is_pair():
    assert pair_key("HM750096T75_21041") == "M750096T75_21041"
    assert pair_key("DPM750096T75_21041") == "M750096T75_21041"
    assert pair_key(parse_file_name("LM750096T75_21041.xml")) == "M750096T75_21041"
    assert is_pair("HM750096T75_21041", "LM750096T75_21041")
    assert is_pair("DPM750096T75_21041.xml", "LM750096T75_21041.XML")
    assert not is_pair("LM750096T75_21041", "HM750096T75_21041")  # order matters
    assert not is_pair("HM750096T75_21041", "LM750096T75_21042")  # other package
    assert not is_pair("HM750096T75_21041", "HM750096T75_21041")  # no L file
    assert not is_pair("HM750096T75_21041", "garbage")


def test_pair_key_of_invalid_name_raises():
    with pytest.raises(FileNameError):
        pair_key("readme")


def test_build_file_name_round_trip():
    name = build_file_name("DP", "M", "750096", "S", "75001", 2024, 3, 12)
    assert name == "DPM750096S75001_240312"
    assert parse_file_name(name).year == 2024
    assert build_file_name("L", "M", "750096", "T", "75", 24, 12, "1") == "LM750096T75_24121"
    assert parse_file_name(name).with_type("L").stem == "LM750096S75001_240312"


def test_build_file_name_validates():
    with pytest.raises(FileNameError):
        build_file_name("H", "M", "7500", "T", "75", 2024, 1, 1)
    with pytest.raises(FileNameError):
        build_file_name("H", "M", "750096", "T", "75", 2024, 13, 1)
