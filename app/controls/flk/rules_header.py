"""Header and file-name rules (ZL_LIST/ZGLV, ZL_LIST/SCHET, PERS_LIST/ZGLV) and the few record
rules that compare a case with the header (reporting period, sender in the file name)."""

from __future__ import annotations

from app.controls.flk.registry import Hit, rule
from app.controls.values import present, to_date, to_int, tx
from app.formats.periods import VERSION_CHECKS

# -- versions ---------------------------------------------------------------------------------
# The version a file must carry is the one the table «Версии форматов по периодам» gives for its
# kind and reporting period (app.formats.periods; the fund edits it).  Each row names the Q015 check
# that refuses another version: the rule of that code reports it, with the version required.
_VERSION_KINDS = {
    "002F.00.0010": "CHTX",
    "002F.00.0012": "TX",
    "002F.00.0013": "CH",
    "002F.00.0014": "CHTX",
    "002F.00.0016": "CHTX",
    "002F.00.0050": "L",
}


def _version_rule(code: str, kinds: str):
    root = "PERS_LIST" if kinds == "L" else "ZL_LIST"

    def check(h):
        n = present(h.zglv, "VERSION")
        if n is None:
            return
        row = h.ctx.required_version("L" if kinds == "L" else h.ctx.file_kind)
        if row is not None and row.check == code and n.text != row.version:
            yield Hit(n, detail=f"для отчётного периода {h.ctx.rule_date:%m.%Y} требуется версия {row.version}")

    check.__name__ = f"version_{code[-4:]}"
    return rule(code, f"{root}/ZGLV/VERSION", kinds, VERSION_CHECKS[code])(check)


for _code, _kinds in _VERSION_KINDS.items():
    _version_rule(_code, _kinds)


# -- dates of the header ----------------------------------------------------------------------
@rule("006F.00.0010", "ZL_LIST/ZGLV/DATA", "CHTX", "Значение поля не должно быть больше текущей даты обработки файла")
def data_not_future(h):
    n = present(h.zglv, "DATA")
    d = to_date(n.text) if n is not None else None
    if d is not None and d > h.ctx.today:
        yield Hit(n)


@rule("006F.00.0020", "PERS_LIST/ZGLV/DATA", "L", "Значение поля не должно быть больше текущей даты обработки файла")
def l_data_not_future(h):
    n = present(h.zglv, "DATA")
    d = to_date(n.text) if n is not None else None
    if d is not None and d > h.ctx.today:
        yield Hit(n)


@rule("006F.00.0200", "ZL_LIST/SCHET/DSCHET", "CHTX", "Значение поля не должно быть больше DATA")
def dschet_not_after_data(h):
    n = present(h.schet, "DSCHET")
    d = to_date(n.text) if n is not None else None
    data = to_date(tx(h.zglv, "DATA"))
    if d is not None and data is not None and d > data:
        yield Hit(n, detail=f"DATA={data:%d.%m.%Y}")


@rule("002F.00.0070", "ZL_LIST/SCHET/MONTH", "CHTX", "Месяц отчётного периода должен быть от 1 до 12")
def month_range(h):
    n = present(h.schet, "MONTH")
    if n is not None and to_int(n.text) not in range(1, 13):
        yield Hit(n)


# -- file name --------------------------------------------------------------------------------
@rule(
    "003F.00.0010",
    "ZL_LIST/SCHET/PLAT",
    "CHTX",
    "PLAT обязателен при (Pi=M и Pp=S), (Pi=S и Pp=T) или (Pi=S и Pp=M) по имени файла",
)
def plat_required(h):
    p = h.parsed
    if p is not None and (p.pi, p.pp) in (("M", "S"), ("S", "T"), ("S", "M")) and present(h.schet, "PLAT") is None:
        yield Hit(at=h.schet, value=h.filename)


@rule(
    "006F.00.0050",
    "ZL_LIST/ZGLV/FILENAME",
    "CHTX",
    "Код получателя в имени файла (Np при Pp=S) должен совпадать с SCHET/PLAT",
)
def filename_np_plat(h):
    p = h.parsed
    plat = tx(h.schet, "PLAT")
    if p is not None and p.pp == "S" and plat and p.np != plat:
        yield Hit(present(h.zglv, "FILENAME"), detail=f"PLAT={plat}")


@rule("006F.00.0070", "ZL_LIST/ZGLV/FILENAME", "CHTX", "Год в имени файла (YY) должен совпадать с SCHET/YEAR")
def filename_year(h):
    p = h.parsed
    year = to_int(tx(h.schet, "YEAR"))
    if p is not None and year is not None and p.yy != year % 100:
        yield Hit(present(h.zglv, "FILENAME"), detail=f"YEAR={year}")


@rule("006F.00.0090", "ZL_LIST/ZGLV/FILENAME", "CHTX", "Месяц в имени файла (MM) должен совпадать с SCHET/MONTH")
def filename_month(h):
    p = h.parsed
    month = to_int(tx(h.schet, "MONTH"))
    if p is not None and month is not None and p.mm != month:
        yield Hit(present(h.zglv, "FILENAME"), detail=f"MONTH={month}")


@rule(
    "006F.00.0060",
    "PERS_LIST/ZGLV/FILENAME",
    "L",
    "Код получателя в имени L-файла (Np при Pp=S) должен совпадать с SCHET/PLAT",
)
def l_filename_np_plat(h):
    p = h.parsed
    plat = h.ctx.plat
    if p is not None and p.pp == "S" and plat and p.np != plat:
        yield Hit(present(h.zglv, "FILENAME"), detail=f"PLAT={plat}")


@rule("006F.00.0080", "PERS_LIST/ZGLV/FILENAME", "L", "Год в имени L-файла (YY) должен совпадать с SCHET/YEAR")
def l_filename_year(h):
    p = h.parsed
    year = h.ctx.year
    if p is not None and year is not None and p.yy != year % 100:
        yield Hit(present(h.zglv, "FILENAME"), detail=f"YEAR={year}")


@rule("006F.00.0100", "PERS_LIST/ZGLV/FILENAME", "L", "Месяц в имени L-файла (MM) должен совпадать с SCHET/MONTH")
def l_filename_month(h):
    p = h.parsed
    month = h.ctx.month
    if p is not None and month is not None and p.mm != month:
        yield Hit(present(h.zglv, "FILENAME"), detail=f"MONTH={month}")


@rule(
    "006F.00.0030",
    "ZL_LIST/ZGLV/FILENAME",
    "CHTX",
    "Код МО-отправителя в имени файла (Ni при Pi=M) должен совпадать с Z_SL/LPU",
    scope="record",
)
def filename_ni_lpu(r):
    p = r.ctx.parsed_name
    lpu = present(r.z_sl, "LPU")
    if p is not None and p.pi == "M" and lpu is not None and lpu.text != p.ni:
        yield Hit(lpu, detail=f"в имени файла {p.ni}")


# -- regional: archive, pairing and sender ----------------------------------------------------
@rule(
    "002F.14.0010",
    "ZL_LIST/ZGLV/FILENAME",
    "CHTX",
    "FILENAME должен совпадать с именем XML-файла в архиве (без расширения)",
)
def filename_is_member(h):
    stem = h.ctx.member_stem
    n = present(h.zglv, "FILENAME")
    if stem and n is not None and n.text.upper() != stem.upper():
        yield Hit(n, detail=f"в архиве {stem}")


@rule(
    "002F.14.0011",
    "PERS_LIST/ZGLV/FILENAME",
    "L",
    "FILENAME L-файла должен совпадать с именем L-файла в архиве (без расширения)",
)
def l_filename_is_member(h):
    stem = h.ctx.l_member_stem
    n = present(h.zglv, "FILENAME")
    if stem and n is not None and n.text.upper() != stem.upper():
        yield Hit(n, detail=f"в архиве {stem}")


@rule(
    "002F.14.0020",
    "PERS_LIST/ZGLV/FILENAME1",
    "L",
    "FILENAME1 L-файла должен совпадать с именем основного файла (ZL_LIST/ZGLV/FILENAME)",
)
def l_filename1_is_main(h):
    main = h.ctx.file_name
    n = present(h.zglv, "FILENAME1")
    if main and n is not None and n.text.upper() != main.upper():
        yield Hit(n, detail=f"основной файл {main}")


@rule("002F.14.0030", "ZL_LIST/SCHET/CODE_MO", "CHTX", "CODE_MO должен совпадать с кодом МО, загрузившей файл")
def code_mo_is_sender(h):
    sender = h.ctx.sender_mo
    n = present(h.schet, "CODE_MO")
    if sender and n is not None and n.text != sender:
        yield Hit(n, detail=f"отправитель {sender}")
