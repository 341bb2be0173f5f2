"""Reader of the official rule tables Q015 (ФЛК), Q016 (МЭК) and the regional Q022/Q023.

They are НСИ ``<packet>`` files (windows-1251)::

    <zap><ID_TEST>003F.00.0400</ID_TEST><ID_EL>ZL_LIST/ZAP/Z_SL/NPR_MO</ID_EL>
         <TYPE_MD><TYPE_D>C</TYPE_D>…</TYPE_MD><NSI_OBJ/><NSI_EL/><USL_TEST>…</USL_TEST><VAL_EL/>
         <COMMENT/> (Q015) | <DESC_TEST>…</DESC_TEST> (Q016)  <DATEBEG>01.11.2019</DATEBEG><DATEEND/></zap>

:func:`iter_rule_table` streams the rows as plain dicts, ready to update the rule catalogue
(texts, file types, validity dates).  Parsing is safe: no DTD, no entities, no network
(see :mod:`app.nsi.packet`).
"""

from __future__ import annotations

from typing import Iterator

from app.nsi.packet import PacketError, PacketHeader, iter_packet, parse_nsi_date

#: packet/zglv/type → table kind
TABLE_KINDS = {"FLK_MPF": "Q015", "MEK_MPF": "Q016", "FLK_MPR": "Q022", "MEK_MPR": "Q023"}

MESSAGE_MAX = 250


def _as_list(v) -> list[str]:
    if v is None:
        return []
    if isinstance(v, list):
        return [x for x in v if x]
    return [v]


def _one(v) -> str | None:
    if isinstance(v, list):
        v = " ".join(x for x in v if x) or None
    return v


def _message(row: dict) -> str:
    """Human text of the rule: DESC_TEST (Q016) or COMMENT (Q015); when the table gives none,
    it is composed from the code family and the condition/value columns, so every rule has text."""
    code = _one(row.get("ID_TEST")) or ""
    comment = _one(row.get("COMMENT"))
    desc = _one(row.get("DESC_TEST"))
    cond = _one(row.get("USL_TEST"))
    if desc and desc != "Не предусмотрено":
        return desc[:MESSAGE_MAX]
    if comment:
        if cond and comment.lower().startswith("элемент должен отсутствовать"):
            comment = f"{comment.rstrip('. ')}: {cond}"
        return comment[:MESSAGE_MAX]
    parts = []
    if row.get("NSI_OBJ"):
        parts.append(
            f"Значение должно быть в справочнике {_one(row['NSI_OBJ'])}"
            + (f" ({_one(row.get('NSI_EL'))})" if row.get("NSI_EL") else "")
        )
    elif code[:4] == "003F":
        parts.append("Обязательный элемент отсутствует" + (f" (условие: {cond})" if cond else ""))
        cond = None
    if row.get("VAL_EL"):
        parts.append(f"Допустимое значение: {_one(row['VAL_EL'])}")
    if code[:4] == "004F":
        fmt = []
        if row.get("MASK_VAL"):
            fmt.append(f"маска {_one(row['MASK_VAL'])}")
        if row.get("MIN_LEN") or row.get("MAX_LEN"):
            fmt.append(f"длина {_one(row.get('MIN_LEN')) or '?'}..{_one(row.get('MAX_LEN')) or '?'}")
        parts.append("Неверный формат значения" + (f" ({', '.join(fmt)})" if fmt else ""))
    if cond:
        parts.append(f"Условие: {cond}")
    if not parts and desc:
        parts.append(desc)
    return "; ".join(parts)[:MESSAGE_MAX]


def iter_rule_table(source, kind: str | None = None) -> Iterator[dict]:
    """Yield one dict per ``zap``::

        {code, element, file_types, message, valid_from, valid_to, kind,
         condition, value, nsi_obj, nsi_el, min_len, max_len, mask, comment}

    ``file_types`` is the string of TYPE_D letters in file order (e.g. ``"CDHRT"``); ``kind`` is
    taken from ``zglv/type`` (FLK_MPF → Q015, MEK_MPF → Q016, FLK_MPR → Q022, MEK_MPR → Q023)
    unless given.  Raises :class:`app.nsi.packet.PacketError` for a non-packet document.
    """
    it = iter_packet(source)
    header = next(it, None)
    if not isinstance(header, PacketHeader):
        raise PacketError("таблица правил: нет заголовка packet/zglv")
    table_kind = kind or TABLE_KINDS.get(header.type or "", header.type or "")
    for row in it:
        code = _one(row.get("ID_TEST"))
        if not code:
            continue
        yield {
            "code": code.strip(),
            "element": (_one(row.get("ID_EL")) or "").strip(),
            "file_types": "".join(_as_list(row.get("TYPE_D"))),
            "message": _message(row),
            "valid_from": parse_nsi_date(_one(row.get("DATEBEG"))),
            "valid_to": parse_nsi_date(_one(row.get("DATEEND"))),
            "kind": table_kind,
            "condition": _one(row.get("USL_TEST")),
            "value": _one(row.get("VAL_EL")),
            "nsi_obj": _one(row.get("NSI_OBJ")),
            "nsi_el": _one(row.get("NSI_EL")),
            "min_len": _one(row.get("MIN_LEN")),
            "max_len": _one(row.get("MAX_LEN")),
            "mask": _one(row.get("MASK_VAL")),
            "comment": _one(row.get("COMMENT")),
        }


def read_rule_table(source, kind: str | None = None) -> list[dict]:
    return list(iter_rule_table(source, kind))
