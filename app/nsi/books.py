"""The reference books the system uses and how to read a row of their official export.

``key`` is the field holding the code in the official FFOMS ``<packet>`` export (the value the
registry files carry), ``name`` the field(s) with the human name.  Fields marked
**[unverified]** are from the format descriptions, not from a dump we had: check them against
nsi.ffoms.ru (``/nsi-int/api/structure?identifier=…``) before the first real import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Mapping, NamedTuple

from app.nsi.packet import parse_nsi_date


@dataclass(frozen=True)
class BookDef:
    code: str  # F002, V009, M001 …
    title: str  # Russian title
    key: str  # code field in the official export
    name: tuple[str, ...]  # name field(s), first present wins
    begin: tuple[str, ...] = ("DATEBEG",)
    end: tuple[str, ...] = ("DATEEND",)
    elements: tuple[str, ...] = ()  # registry elements checked against the book (for people)
    source: str = "ФФОМС"  # publisher: ФФОМС (nsi.ffoms.ru) or Минздрав (nsi.rosminzdrav.ru)


def _b(code, title, key, name, *, begin=("DATEBEG",), end=("DATEEND",), elements=(), source="ФФОМС"):
    if isinstance(name, str):
        name = (name,)
    return BookDef(code, title, key, tuple(name), tuple(begin), tuple(end), tuple(elements), source)


BOOKS: dict[str, BookDef] = {
    b.code: b
    for b in (
        # ---- F: organisations and documents
        _b(
            "F002",
            "Единый реестр страховых медицинских организаций",
            "smocod",
            ("nam_smok", "nam_smop"),
            begin=("d_begin", "DATEBEG"),
            end=("d_end", "DATEEND"),  # dates [unverified]
            elements=("SCHET/PLAT", "PACIENT/SMO"),
        ),
        _b(
            "F003",
            "Единый реестр медицинских организаций",
            "mcod",
            ("nam_mok", "nam_mop"),
            begin=("d_begin", "DATEBEG"),
            end=("d_end", "DATEEND"),
            elements=("SCHET/CODE_MO", "Z_SL/LPU", "Z_SL/NPR_MO", "USL/LPU"),
        ),  # dates [unverified]
        _b(
            "F032",
            "Реестр медицинских организаций (с региональными кодами)",
            "mcod",
            ("nam_mok", "nam_mop"),
            begin=("d_begin", "DATEBEG"),
            end=("d_end", "DATEEND"),
            elements=("SCHET/CODE_MO", "Z_SL/LPU", "USL/LPU"),
        ),  # the fields as F003's [unverified]: F032 succeeds it with the same МО codes
        _b("F006", "Классификатор видов контроля", "IDVID", "VIDNAME", elements=("SANK/S_TIP",)),
        _b(
            "F008",
            "Классификатор типов документов, подтверждающих факт страхования по ОМС",
            "IDDoc",
            "DocName",
            elements=("PACIENT/VPOLIS",),
        ),
        _b(
            "F010",
            "Классификатор субъектов Российской Федерации",
            "KOD_OKATO",
            "SUBNAME",
            elements=("PACIENT/ST_OKATO",),
        ),
        _b(
            "F011",
            "Классификатор типов документов, удостоверяющих личность",
            "IDDoc",
            "DocName",
            elements=("PERS/DOCTYPE",),
        ),
        _b("F014", "Классификатор причин отказа в оплате медицинской помощи", "Kod", "Naim", elements=("SANK/S_OSN",)),
        # ---- V: classifiers of the care
        _b(
            "V002",
            "Классификатор профилей оказанной медицинской помощи",
            "IDPR",
            "PRNAME",
            elements=("SL/PROFIL", "USL/PROFIL"),
        ),
        _b("V005", "Классификатор пола застрахованного", "IDPOL", "POLNAME", elements=("PERS/W", "PERS/W_P")),
        _b("V006", "Классификатор условий оказания медицинской помощи", "IDUMP", "UMPNAME", elements=("Z_SL/USL_OK",)),
        _b("V008", "Классификатор видов медицинской помощи", "IDVMP", "VMPNAME", elements=("Z_SL/VIDPOM",)),
        _b(
            "V009",
            "Классификатор результатов обращения за медицинской помощью",
            "IDRMP",
            "RMPNAME",
            elements=("Z_SL/RSLT",),
        ),
        _b("V010", "Классификатор способов оплаты медицинской помощи", "IDSP", "SPNAME", elements=("Z_SL/IDSP",)),
        _b("V012", "Классификатор исходов заболевания", "IDIZ", "IZNAME", elements=("Z_SL/ISHOD",)),
        _b(
            "V014", "Классификатор форм оказания медицинской помощи", "IDFRMMP", "FRMMPNAME", elements=("Z_SL/FOR_POM",)
        ),
        _b("V016", "Классификатор типов диспансеризации", "IDDT", "DTNAME", elements=("SCHET/DISP",)),
        _b("V017", "Классификатор результатов диспансеризации", "IDDR", "DRNAME", elements=("Z_SL/RSLT_D",)),
        _b("V020", "Классификатор профилей койки", "IDK_PR", "K_PRNAME", elements=("SL/PROFIL_K",)),
        _b(
            "V021",
            "Классификатор медицинских специальностей (должностей)",
            "IDSPEC",
            "SPECNAME",
            elements=("SL/PRVS", "USL/PRVS", "MR_USL_N/PRVS"),
        ),
        _b("V025", "Классификатор целей посещения", "IDPC", "N_PC", elements=("SL/P_CEL",)),
        _b("V027", "Классификатор характера заболевания", "IDCZ", "N_CZ", elements=("SL/C_ZAB",)),
        # ---- books the official Q015 look-ups name (001F), read by the interpreted rules of
        # app/controls/official: key fields from Q015 NSI_EL, name fields [unverified]
        _b(
            "F004",
            "Реестр экспертов качества медицинской помощи",
            "n_expert",
            ("fam", "FAM"),
            elements=("SANK/CODE_EXP",),
        ),
        _b(
            "V018",
            "Классификатор видов высокотехнологичной медицинской помощи",
            "IDHVID",
            "HVIDNAME",
            elements=("SL/VID_HMP",),
        ),
        _b(
            "V019",
            "Классификатор методов высокотехнологичной медицинской помощи",
            "IDHM",
            "HMNAME",
            elements=("SL/METOD_HMP",),
        ),
        _b("V023", "Классификатор клинико-статистических групп", "K_KSG", "N_KSG", elements=("KSG_KPG/N_KSG",)),
        _b(
            "V024",
            "Классификатор дополнительных критериев классификации КСГ",
            "IDDKK",
            "DKKNAME",
            elements=("KSG_KPG/CRIT",),
        ),
        _b("V026", "Классификатор клинико-профильных групп", "K_KPG", "N_KPG", elements=("KSG_KPG/N_KPG",)),
        _b("V028", "Классификатор видов направления", "IDVN", "N_VN", elements=("NAPR/NAPR_V",)),
        _b(
            "V029", "Классификатор методов диагностического исследования", "IDMET", "N_MET", elements=("NAPR/MET_ISSL",)
        ),
        _b("N001", "Классификатор противопоказаний и отказов", "ID_PrOt", "PrOt_NAME", elements=("B_PROT/PROT",)),
        _b("N002", "Классификатор стадий", "ID_St", "KOD_St", elements=("ONK_SL/STAD",)),
        _b("N003", "Классификатор Tumor", "ID_T", "KOD_T", elements=("ONK_SL/ONK_T",)),
        _b("N004", "Классификатор Nodus", "ID_N", "KOD_N", elements=("ONK_SL/ONK_N",)),
        _b("N005", "Классификатор Metastasis", "ID_M", "KOD_M", elements=("ONK_SL/ONK_M",)),
        _b("N007", "Классификатор гистологии", "ID_Mrf", "Mrf_NAME", elements=("B_DIAG/DIAG_CODE",)),
        _b(
            "N008",
            "Классификатор результатов гистологических исследований",
            "ID_R_M",
            "R_M_NAME",
            elements=("B_DIAG/DIAG_RSLT",),
        ),
        _b("N010", "Классификатор маркеров", "ID_Igh", "KOD_Igh", elements=("B_DIAG/DIAG_CODE",)),
        _b("N011", "Классификатор значений маркеров", "ID_R_I", "R_I_NAME", elements=("B_DIAG/DIAG_RSLT",)),
        _b("N013", "Классификатор типов лечения", "ID_TLech", "TLech_NAME", elements=("ONK_USL/USL_TIP",)),
        _b("N014", "Классификатор типов хирургического лечения", "ID_THir", "THir_NAME", elements=("ONK_USL/HIR_TIP",)),
        _b(
            "N015",
            "Классификатор линий лекарственной терапии",
            "ID_TLek_L",
            "TLek_NAME_L",
            elements=("ONK_USL/LEK_TIP_L",),
        ),
        _b(
            "N016",
            "Классификатор циклов лекарственной терапии",
            "ID_TLek_V",
            "TLek_NAME_V",
            elements=("ONK_USL/LEK_TIP_V",),
        ),
        _b("N017", "Классификатор типов лучевой терапии", "ID_TLuch", "TLuch_NAME", elements=("ONK_USL/LUCH_TIP",)),
        _b("N018", "Классификатор поводов обращения", "ID_REAS", "REAS_NAME", elements=("ONK_SL/DS1_T",)),
        _b("N019", "Классификатор целей консилиума", "ID_CONS", "CONS_NAME", elements=("CONS/PR_CONS",)),
        _b(
            "N020",
            "Классификатор лекарственных препаратов, применяемых при проведении лекарственной терапии",
            "ID_LEKP",
            "MNN",
            elements=("LEK_PR/REGNUM",),
        ),
        # ---- M: Минздрав
        _b(
            "M001",
            "Международная статистическая классификация болезней (МКБ-10)",
            "IDDS",
            ("DSNAME", "MKB_NAME"),
            elements=("SL/DS0", "SL/DS1", "SL/DS2", "SL/DS3", "USL/DS"),
            source="Минздрав",
        ),
    )
}


class NsiEntry(NamedTuple):
    """One version of one code of a book: ``(code, name, date_begin, date_end)``."""

    code: str
    name: str
    date_begin: date | None = None
    date_end: date | None = None

    def valid_on(self, on: date | None) -> bool:
        if on is None:
            return True
        if self.date_begin is not None and on < self.date_begin:
            return False
        if self.date_end is not None and on > self.date_end:
            return False
        return True


def _first(row: Mapping, fields: tuple[str, ...]):
    for f in fields:
        v = row.get(f)
        if isinstance(v, list):
            v = next((x for x in v if x), None)
        if v:
            return v
    return None


def row_to_entry(book: str | BookDef, row: Mapping) -> NsiEntry:
    """Map a row dict of the official export (see :func:`app.nsi.packet.iter_packet`) to
    ``(code, name, date_begin, date_end)``.  Raises ``KeyError`` for an unknown book and
    ``ValueError`` for a row without a code."""
    bd = BOOKS[book] if isinstance(book, str) else book
    code = _first(row, (bd.key,))
    if not code:
        raise ValueError(f"{bd.code}: в строке нет поля {bd.key}")
    return NsiEntry(
        code=str(code).strip(),
        name=str(_first(row, bd.name) or "").strip(),
        date_begin=parse_nsi_date(_first(row, bd.begin)),
        date_end=parse_nsi_date(_first(row, bd.end)),
    )


DEMO_VERSION = "demo"  # the version recorded for the demo subset of a book


def loaded_version_text(book: str, version: str | None, published: str | date | None) -> str:
    """What is loaded of ``book``, for people: «загружена демонстрационная выборка» or «версия 2.31
    от 01.10.2026, ФФОМС» (the publisher of :class:`BookDef`).  The one wording of a loaded
    version: the errors of the reference-book rules and the pages use it."""
    if version == DEMO_VERSION:
        return "загружена демонстрационная выборка"
    when = published if isinstance(published, date) else parse_nsi_date(published)
    text = f"версия {version}" if version else "версия не указана"
    if when is not None:
        text += f" от {when:%d.%m.%Y}"
    publisher = BOOKS[book].source if book in BOOKS else None
    return f"{text}, {publisher}" if publisher else text
