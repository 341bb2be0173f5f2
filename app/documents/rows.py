"""A :class:`~app.documents.data.CaseRow` from a stored case: the ZAP (and PERS) fragments as
:func:`app.formats.fragments.from_xml` / :func:`app.formats.fast_fragments.parse_fragment` give
them."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Mapping, Optional, Union

from lxml import etree

from app.formats.record import Node

from .data import CARE_TYPES, ZERO, CaseRow


def _date(text: Optional[str]) -> Optional[dt.date]:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _money(text: Optional[str]) -> Decimal:
    try:
        return Decimal(text) if text else ZERO
    except InvalidOperation:
        return ZERO


def policy_of(pacient: Optional[Node]) -> str:
    """ЕНП, else «серия номер» of the policy."""
    if pacient is None:
        return ""
    enp = pacient.get("ENP")
    if enp:
        return enp
    return " ".join(p for p in (pacient.get("SPOLIS"), pacient.get("NPOLIS")) if p)


def services_of(z_sl: Optional[Node]) -> list[str]:
    """The codes of the care given: N_KSG / N_KPG of each SL, then CODE_USL of its services —
    each code once, in order."""
    out: list[str] = []
    seen = set()
    if z_sl is None:
        return out
    for sl in z_sl.all("SL"):
        codes = [sl.get("KSG_KPG/N_KSG"), sl.get("KSG_KPG/N_KPG")]
        codes += [u.get("CODE_USL") for u in sl.all("USL")]
        for c in codes:
            if c and c not in seen:
                seen.add(c)
                out.append(c)
    return out


def case_row(
    zap: Node,
    pers: Optional[Node] = None,
    *,
    n_zap: Union[int, str, None] = None,
    care_type: Optional[str] = None,
    subdivision: Optional[str] = None,
    subdivision_name: str = "",
    profile_names: Optional[Mapping[str, str]] = None,
    payable: Optional[Decimal] = None,
) -> CaseRow:
    """The registry-list row of a case. ``n_zap`` (the number in the registry file) defaults to
    the fragment's N_ZAP; ``care_type`` to the type of USL_OK («АПП», «Стационар», …);
    ``subdivision`` to LPU_1 of the first SL; ``payable`` (SUMP after the МЭК, kept in the
    database) to SUMV."""
    pac = zap.child("PACIENT")
    z = zap.child("Z_SL")
    sl = z.child("SL") if z is not None else None
    usl_ok = z.get("USL_OK") if z is not None else None
    profile = sl.get("PROFIL") if sl is not None else None
    if care_type is None:
        care_type = CARE_TYPES.get(int(usl_ok), "") if usl_ok and usl_ok.isdigit() else ""
    if subdivision is None:
        subdivision = (sl.get("LPU_1") if sl is not None else None) or ""
    return CaseRow(
        n_zap=n_zap if n_zap is not None else (zap.get("N_ZAP") or ""),
        idcase=(z.get("IDCASE") if z is not None else None) or "",
        fam=(pers.get("FAM") if pers is not None else None) or "",
        im=(pers.get("IM") if pers is not None else None) or "",
        ot=(pers.get("OT") if pers is not None else None) or "",
        birth_date=_date(pers.get("DR")) if pers is not None else None,
        policy=policy_of(pac),
        date_1=_date(z.get("DATE_Z_1")) if z is not None else None,
        date_2=_date(z.get("DATE_Z_2")) if z is not None else None,
        ds1=(sl.get("DS1") if sl is not None else None) or "",
        profile=profile or "",
        profile_name=(profile_names or {}).get(profile or "", ""),
        services=tuple(services_of(z)),
        amount=_money(z.get("SUMV") if z is not None else None),
        care_type=care_type,
        subdivision=subdivision,
        subdivision_name=subdivision_name,
        payable=payable,
    )


_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=True
)

# the form app.formats.fragments.to_xml writes (what the database keeps): elements only, no
# declaration, comment, CDATA or attribute; anything else (and any text with «=») goes through lxml
_ZAP_LEAVES = re.compile(
    r"<(N_ZAP|ENP|SPOLIS|NPOLIS|IDCASE|USL_OK|DATE_Z_1|DATE_Z_2|LPU_1|PROFIL|"
    r"DS1|N_KSG|N_KPG|CODE_USL|SUMV)>([^<]*)</"
)
_PERS_LEAVES = re.compile(r"<(FAM|IM|OT|DR)>([^<]*)</")
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_SERVICE_TAGS = frozenset(("N_KSG", "N_KPG", "CODE_USL"))


def _entity(m: re.Match) -> str:
    e = m.group(1)
    if e[0] == "#":
        return chr(int(e[2:], 16) if e[1] in "xX" else int(e[1:]))
    return _NAMED[e]


def _value(raw: str) -> Optional[str]:
    v = raw.strip()
    if "&" in v:
        v = _ENTITY.sub(_entity, v)
    return v or None


def _leaves(text: str, pattern: re.Pattern) -> Optional[tuple[dict, list]]:
    """First value of each wanted leaf and the service codes in order; None if the text is not
    in the compact form (the caller parses it with lxml then)."""
    if "=" in text or "<!" in text or "<?" in text:
        return None
    first: dict[str, Optional[str]] = {}
    services: list[str] = []
    for tag, raw in pattern.findall(text):
        v = _value(raw)
        if tag in _SERVICE_TAGS:
            if v and v not in services:
                services.append(v)
        elif tag not in first:
            first[tag] = v
    return first, services


def _text(elem, path: str) -> Optional[str]:
    if elem is None:
        return None
    t = elem.findtext(path)
    if t is None:
        return None
    return t.strip() or None


def _leaves_lxml(zap_xml: str, pers_xml: Optional[str]) -> tuple[dict, list, dict]:
    zap = etree.fromstring(zap_xml.encode("utf-8"), _PARSER)
    pers = etree.fromstring(pers_xml.encode("utf-8"), _PARSER) if pers_xml else None
    z = zap.find("Z_SL")
    sl = z.find("SL") if z is not None else None
    first = {
        "N_ZAP": _text(zap, "N_ZAP"),
        "ENP": _text(zap, "PACIENT/ENP"),
        "SPOLIS": _text(zap, "PACIENT/SPOLIS"),
        "NPOLIS": _text(zap, "PACIENT/NPOLIS"),
    }
    for tag in ("IDCASE", "USL_OK", "DATE_Z_1", "DATE_Z_2", "SUMV"):
        first[tag] = _text(z, tag)
    for tag in ("LPU_1", "PROFIL", "DS1"):
        first[tag] = _text(sl, tag)
    services: list[str] = []
    if z is not None:
        for s in z.iterfind("SL"):
            for c in (
                _text(s, "KSG_KPG/N_KSG"),
                _text(s, "KSG_KPG/N_KPG"),
                *(_text(u, "CODE_USL") for u in s.iterfind("USL")),
            ):
                if c and c not in services:
                    services.append(c)
    person = {tag: _text(pers, tag) for tag in ("FAM", "IM", "OT", "DR")}
    return first, services, person


def case_row_xml(
    zap_xml: str,
    pers_xml: Optional[str] = None,
    *,
    n_zap: Union[int, str, None] = None,
    care_type: Optional[str] = None,
    subdivision: Optional[str] = None,
    subdivision_name: str = "",
    profile_names: Optional[Mapping[str, str]] = None,
    payable: Optional[Decimal] = None,
) -> CaseRow:
    """:func:`case_row` straight from the stored XML texts. The compact fragments
    :func:`app.formats.fragments.to_xml` writes are read with one regular-expression scan each
    (about 20 µs; building :class:`~app.formats.record.Node` trees costs ten times more — for
    100,000 rows that is the difference between 2 s and 20 s); any other XML goes through lxml.
    Same result as :func:`case_row` (the first SL gives PROFIL, DS1, LPU_1)."""
    zap_part = _leaves(zap_xml, _ZAP_LEAVES)
    pers_part = _leaves(pers_xml, _PERS_LEAVES) if pers_xml else ({}, [])
    if zap_part is None or pers_part is None:
        first, services, person = _leaves_lxml(zap_xml, pers_xml)
    else:
        (first, services), person = zap_part, pers_part[0]
    get = first.get
    usl_ok = get("USL_OK")
    profile = get("PROFIL")
    if care_type is None:
        care_type = CARE_TYPES.get(int(usl_ok), "") if usl_ok and usl_ok.isdigit() else ""
    if subdivision is None:
        subdivision = get("LPU_1") or ""
    policy = get("ENP") or " ".join(p for p in (get("SPOLIS"), get("NPOLIS")) if p)
    return CaseRow(
        n_zap=n_zap if n_zap is not None else (get("N_ZAP") or ""),
        idcase=get("IDCASE") or "",
        fam=person.get("FAM") or "",
        im=person.get("IM") or "",
        ot=person.get("OT") or "",
        birth_date=_date(person.get("DR")),
        policy=policy,
        date_1=_date(get("DATE_Z_1")),
        date_2=_date(get("DATE_Z_2")),
        ds1=get("DS1") or "",
        profile=profile or "",
        profile_name=(profile_names or {}).get(profile or "", ""),
        services=tuple(services),
        amount=_money(get("SUMV")),
        care_type=care_type,
        subdivision=subdivision,
        subdivision_name=subdivision_name,
        payable=payable,
    )
