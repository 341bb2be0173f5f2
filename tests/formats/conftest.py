"""Sample records and files for the format tests (built in code, written into tmp_path)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.formats.definitions import get_definition
from app.formats.record import Node
from app.formats.writer import write_file


def el(tag, *content):
    """``el("ZAP", el("N_ZAP", "1"), …)`` — a Node; a single str argument is the text."""
    if len(content) == 1 and isinstance(content[0], str):
        return Node(tag, content[0])
    return Node(tag, None, None, [c for c in content if c is not None])


def usl(idserv, version="3.1", kind="H"):
    if kind == "X":
        doctor = (
            [el("PRVS", "76"), el("CODE_MD", "038-077-626 70")]
            if version == "3.1"
            else [el("MR_USL_N", el("MR_N", "1"), el("PRVS", "76"), el("CODE_MD", "038-077-626 70"))]
        )
        return el(
            "USL",
            el("IDSERV", idserv),
            el("LPU", "750001"),
            el("DATE_IN", "2024-01-10"),
            el("DATE_OUT", "2024-01-10"),
            el("P_OTK", "0"),
            el("CODE_USL", "B04.047.002"),
            el("TARIF", "500.00"),
            el("SUMV_USL", "500.00"),
            *doctor,
        )
    doctor = (
        [el("PRVS", "76"), el("CODE_MD", "038-077-626 70")]
        if version == "3.1"
        else [el("MR_USL_N", el("MR_N", "1"), el("PRVS", "76"), el("CODE_MD", "038-077-626 70"))]
    )
    return el(
        "USL",
        el("IDSERV", idserv),
        el("LPU", "750001"),
        el("PROFIL", "97"),
        el("DET", "0"),
        el("DATE_IN", "2024-01-10"),
        el("DATE_OUT", "2024-01-10"),
        el("DS", "J06.9"),
        el("CODE_USL", "B01.047.001"),
        el("KOL_USL", "1.00"),
        el("TARIF", "500.00"),
        el("SUMV_USL", "500.00"),
        *doctor,
    )


def zap(n=1, version="3.1", kind="H", n_usl=2):
    """A typical record: one Z_SL, one SL, ``n_usl`` services."""
    polis = [el("NPOLIS", f"75{n:014d}")] if version == "3.1" else [el("ENP", f"75{n:014d}")]
    soc = [el("SOC", "000")] if version not in ("3.1", "3.2") else []  # required from 4.0
    pacient = el(
        "PACIENT", el("ID_PAC", f"PAC-{n}"), el("VPOLIS", "3"), *polis, el("SMO", "75001"), el("NOVOR", "0"), *soc
    )
    sl_id = f"00000000-0000-0000-0000-{n:012d}"
    services = [usl(f"{n}-{i}", version, kind) for i in range(1, n_usl + 1)]
    if kind == "X":
        sl = el(
            "SL",
            el("SL_ID", sl_id),
            el("NHISTORY", f"КАРТА-{n}"),
            el("DATE_1", "2024-01-10"),
            el("DATE_2", "2024-01-10"),
            el("DS1", "Z00.0"),
            el("DS_ONK", "0"),
            el("SUM_M", "1000.00"),
            *services,
        )
        z_sl = el(
            "Z_SL",
            el("IDCASE", str(n)),
            el("VIDPOM", "13"),
            el("LPU", "750001"),
            el("DATE_Z_1", "2024-01-10"),
            el("DATE_Z_2", "2024-01-10"),
            el("P_OTK", "0"),
            el("RSLT_D", "1"),
            sl,
            el("IDSP", "11"),
            el("SUMV", "1000.00"),
        )
        return el("ZAP", el("N_ZAP", str(n)), el("PR_NOV", "0"), pacient, z_sl)
    sl = el(
        "SL",
        el("SL_ID", sl_id),
        el("PROFIL", "97"),
        el("DET", "0"),
        el("P_CEL", "1.0"),
        el("NHISTORY", f"АМБ-{n}/24"),
        el("DATE_1", "2024-01-10"),
        el("DATE_2", "2024-01-10"),
        el("DS1", "J06.9"),
        el("PRVS", "76"),
        el("VERS_SPEC", "V021"),
        el("IDDOKT", "038-077-626 70"),
        el("ED_COL", "1.00"),
        el("TARIF", "1000.00"),
        el("SUM_M", "1000.00"),
        *services,
    )
    if kind == "C":
        sl.children.insert(8, el("DS_ONK", "1"))
    z_sl = el(
        "Z_SL",
        el("IDCASE", str(n)),
        el("USL_OK", "3"),
        el("VIDPOM", "13"),
        el("FOR_POM", "3"),
        el("LPU", "750001"),
        el("DATE_Z_1", "2024-01-10"),
        el("DATE_Z_2", "2024-01-10"),
        el("RSLT", "301"),
        el("ISHOD", "304"),
        sl,
        el("IDSP", "29"),
        el("SUMV", "1000.00"),
    )
    return el("ZAP", el("N_ZAP", str(n)), el("PR_NOV", "0"), pacient, z_sl)


def pers(n=1, version="3.1"):
    extra = [el("DOCDATE", "2010-05-05"), el("DOCORG", "ОУФМС России")] if version == "3.2" else []
    return el(
        "PERS",
        el("ID_PAC", f"PAC-{n}"),
        el("FAM", "Иванов"),
        el("IM", "Пётр"),
        el("OT", "Ильич"),
        el("W", "1"),
        el("DR", "1980-02-29"),
        el("DOCTYPE", "14"),
        el("DOCSER", "76 05"),
        el("DOCNUM", f"1234{n:02d}"),
        *extra,
        el("SNILS", "123-456-789 01"),
    )


H_NAME = "HM750001S75001_24011"
L_NAME = "LM750001S75001_24011"


def header_h(version="3.1", filename=H_NAME, sd_z=1, disp=None):
    schet = el(
        "SCHET",
        el("CODE", "1"),
        el("CODE_MO", "750001"),
        el("YEAR", "2024"),
        el("MONTH", "1"),
        el("NSCHET", "1"),
        el("DSCHET", "2024-01-31"),
        el("PLAT", "75001"),
        el("SUMMAV", "1000.00"),
    )
    if disp:
        schet.children.append(el("DISP", disp))
    return el(
        "ZL_LIST",
        el("ZGLV", el("VERSION", version), el("DATA", "2024-02-01"), el("FILENAME", filename), el("SD_Z", str(sd_z))),
        schet,
    )


def header_l(version="3.1", filename=L_NAME, filename1=H_NAME):
    return el(
        "PERS_LIST",
        el(
            "ZGLV",
            el("VERSION", version),
            el("DATA", "2024-02-01"),
            el("FILENAME", filename),
            el("FILENAME1", filename1),
        ),
    )


def write_h(path, version="3.1", count=1, kind="H", encoding="windows-1251", **kw):
    d = get_definition(kind, version)
    header = header_h(version, path.stem, count, disp="ДВ4" if kind == "X" else None)
    write_file(path, d, header, (zap(i, version, kind, **kw) for i in range(1, count + 1)), encoding=encoding)
    return path


def write_l(path, version="3.2", count=1, encoding="windows-1251"):
    d = get_definition("L", version)
    write_file(
        path, d, header_l(version, path.stem), (pers(i, version) for i in range(1, count + 1)), encoding=encoding
    )
    return path


def shape(node):
    """A Node as nested tuples without source lines (for comparisons)."""
    return (node.tag, node.text, tuple(shape(c) for c in node.children))


@pytest.fixture
def s():
    """The sample builders."""
    return SimpleNamespace(
        el=el,
        usl=usl,
        zap=zap,
        pers=pers,
        header_h=header_h,
        header_l=header_l,
        write_h=write_h,
        write_l=write_l,
        shape=shape,
        H_NAME=H_NAME,
        L_NAME=L_NAME,
    )
