"""Factories of valid parsed records for the ФЛК tests, and mutation helpers.

    zap, pers = amb_zap(), adult()
    bad = with_(zap, "Z_SL/SL/USL/TARIF", "9999.00")     # copy with a value set (None removes)
    bad = add(zap, "Z_SL/SL/DS2", "I10")                  # copy with one more element
    node = at(bad, "Z_SL/SL[1]/DS1")                      # navigation, [i] picks the i-th (0-based)

Every builder returns a fresh tree with source lines numbered in document order, so findings
can be compared with ``at(...).line``.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Optional, Union

from app.controls.flk import FlkContext
from app.demo.nsi import demo_nsi
from app.formats.record import Node

TODAY = date(2025, 2, 10)
H_NAME = "HM140001S14001_2501001"
L_NAME = "LM140001S14001_2501001"
C_NAME = "CM140001S14001_2501001"
NAMES = {"H": H_NAME, "C": C_NAME, "T": "TM140001S14001_2501001", "X": "DPM140001S14001_2501001"}


def E(tag: str, *items: Union[str, Node, None]) -> Node:
    """Element: a str item is the text, Node items are children (None items are skipped)."""
    n = Node(tag)
    for it in items:
        if it is None:
            continue
        if isinstance(it, str):
            n.text = it
        else:
            n.children.append(it)
    return n


def number(node: Node, start: int = 1) -> Node:
    for i, n in enumerate(node.walk(), start):
        n.line = i
    return node


# -- headers --------------------------------------------------------------------------------
def header(name: str = H_NAME, *, sd_z: str = "1", summav: str = "1500.00", version: str = "5.0") -> Node:
    return number(
        E(
            "ZL_LIST",
            E("ZGLV", E("VERSION", version), E("DATA", "2025-02-05"), E("FILENAME", name), E("SD_Z", sd_z)),
            E(
                "SCHET",
                E("CODE", "1"),
                E("CODE_MO", "140001"),
                E("YEAR", "2025"),
                E("MONTH", "1"),
                E("NSCHET", "1"),
                E("DSCHET", "2025-02-03"),
                E("PLAT", "14001"),
                E("SUMMAV", summav),
            ),
        )
    )


def l_header(name: str = L_NAME, main: str = H_NAME) -> Node:
    return number(
        E(
            "PERS_LIST",
            E("ZGLV", E("VERSION", "3.2"), E("DATA", "2025-02-05"), E("FILENAME", name), E("FILENAME1", main)),
        )
    )


def ctx(kind: str = "H", **kw) -> FlkContext:
    """Context of the demo file (reporting period 01.2025, processed 10.02.2025, demo NSI)."""
    name = NAMES[kind]
    defaults = dict(
        file_kind=kind,
        sender_mo="140001",
        nsi=demo_nsi(),
        today=TODAY,
        member_name=name + ".xml",
        l_member_name=L_NAME + ".xml",
    )
    defaults.update(kw)
    return FlkContext.from_header(header(name), l_header(main=name), **defaults)


# -- persons --------------------------------------------------------------------------------
def adult(id_pac: str = "P1") -> Node:
    return number(
        E(
            "PERS",
            E("ID_PAC", id_pac),
            E("FAM", "Иванов"),
            E("IM", "Иван"),
            E("OT", "Иванович"),
            E("W", "1"),
            E("DR", "1980-05-15"),
            E("DOCTYPE", "14"),
            E("DOCSER", "98 01"),
            E("DOCNUM", "123456"),
            E("DOCDATE", "2001-06-01"),
            E("DOCORG", "Отделом внутренних дел г. Якутска"),
            E("SNILS", "123-456-789 64"),
        )
    )


def newborn_pers(id_pac: str = "P1") -> Node:
    """The newborn (W, DR of the child) with the mother as representative."""
    return number(
        E(
            "PERS",
            E("ID_PAC", id_pac),
            E("W", "1"),
            E("DR", "2025-01-10"),
            E("FAM_P", "Петрова"),
            E("IM_P", "Анна"),
            E("OT_P", "Сергеевна"),
            E("W_P", "2"),
            E("DR_P", "1995-03-03"),
            E("DOCTYPE", "14"),
            E("DOCSER", "98 05"),
            E("DOCNUM", "654321"),
            E("DOCDATE", "2015-04-01"),
            E("DOCORG", "МВД по Республике Саха (Якутия)"),
        )
    )


def _pacient(id_pac="P1", novor="0"):
    return E(
        "PACIENT",
        E("ID_PAC", id_pac),
        E("VPOLIS", "3"),
        E("ENP", "1400000000000001"),
        E("SMO", "14001"),
        E("NOVOR", novor),
    )


# -- records --------------------------------------------------------------------------------
def amb_zap(n: int = 1, id_pac: str = "P1") -> Node:
    """Ambulatory visit (USL_OK=3), IDSP=30, one SL with one service."""
    return number(
        E(
            "ZAP",
            E("N_ZAP", str(n)),
            E("PR_NOV", "0"),
            _pacient(id_pac),
            E(
                "Z_SL",
                E("IDCASE", str(n)),
                E("USL_OK", "3"),
                E("VIDPOM", "13"),
                E("FOR_POM", "3"),
                E("LPU", "140001"),
                E("DATE_Z_1", "2025-01-10"),
                E("DATE_Z_2", "2025-01-15"),
                E("RSLT", "301"),
                E("ISHOD", "304"),
                E(
                    "SL",
                    E("SL_ID", f"0000000{n}-aaaa-4bbb-8ccc-000000000001"),
                    E("LPU_1", "140011"),
                    E("PROFIL", "97"),
                    E("DET", "0"),
                    E("P_CEL", "3.0"),
                    E("NHISTORY", f"А-{n}"),
                    E("DATE_1", "2025-01-10"),
                    E("DATE_2", "2025-01-15"),
                    E("DS1", "I10"),
                    E("C_ZAB", "3"),
                    E("PRVS", "76"),
                    E("VERS_SPEC", "V021"),
                    E("IDDOKT", "038-077-626 70"),
                    E("ED_COL", "1.00"),
                    E("TARIF", "1500.00"),
                    E("SUM_M", "1500.00"),
                    E(
                        "USL",
                        E("IDSERV", "1"),
                        E("LPU", "140001"),
                        E("PROFIL", "97"),
                        E("DET", "0"),
                        E("DATE_IN", "2025-01-10"),
                        E("DATE_OUT", "2025-01-10"),
                        E("DS", "I10"),
                        E("CODE_USL", "B01.047.001"),
                        E("KOL_USL", "1.00"),
                        E("TARIF", "1500.00"),
                        E("SUMV_USL", "1500.00"),
                        E("MR_USL_N", E("MR_N", "1"), E("PRVS", "76"), E("CODE_MD", "038-077-626 70")),
                    ),
                ),
                E("IDSP", "30"),
                E("SUMV", "1500.00"),
            ),
        )
    )


def _ksg():
    return E(
        "KSG_KPG",
        E("N_KSG", "st13.005"),
        E("VER_KSG", "2025"),
        E("KSG_PG", "0"),
        E("KOEF_Z", "1.42000"),
        E("KOEF_UP", "1.00000"),
        E("BZTSZ", "31690.00"),
        E("KOEF_D", "1.00000"),
        E("KOEF_U", "1.00000"),
        E("SL_K", "0"),
    )


def hosp_zap(n: int = 1, id_pac: str = "P1") -> Node:
    """Planned round-the-clock hospital stay (USL_OK=1, FOR_POM=3) paid by КСГ (IDSP=33)."""
    return number(
        E(
            "ZAP",
            E("N_ZAP", str(n)),
            E("PR_NOV", "0"),
            _pacient(id_pac),
            E(
                "Z_SL",
                E("IDCASE", str(n)),
                E("USL_OK", "1"),
                E("VIDPOM", "31"),
                E("FOR_POM", "3"),
                E("NPR_MO", "140002"),
                E("NPR_DATE", "2025-01-05"),
                E("LPU", "140001"),
                E("DATE_Z_1", "2025-01-10"),
                E("DATE_Z_2", "2025-01-19"),
                E("KD_Z", "9"),
                E("RSLT", "101"),
                E("ISHOD", "102"),
                E(
                    "SL",
                    E("SL_ID", f"0000000{n}-aaaa-4bbb-8ccc-000000000002"),
                    E("PROFIL", "29"),
                    E("PROFIL_K", "30"),
                    E("DET", "0"),
                    E("NHISTORY", f"И-{n}"),
                    E("P_PER", "1"),
                    E("DATE_1", "2025-01-10"),
                    E("DATE_2", "2025-01-19"),
                    E("KD", "9"),
                    E("DS1", "I20.8"),
                    E("C_ZAB", "3"),
                    _ksg(),
                    E("PRVS", "22"),
                    E("VERS_SPEC", "V021"),
                    E("IDDOKT", "038-077-626 71"),
                    E("ED_COL", "1.00"),
                    E("TARIF", "45000.00"),
                    E("SUM_M", "45000.00"),
                ),
                E("IDSP", "33"),
                E("SUMV", "45000.00"),
            ),
        )
    )


def onco_zap(n: int = 1, id_pac: str = "P1") -> Node:
    """C file: planned surgery for breast cancer (DS1 C50.9, DS1_T=0, USL_TIP=1)."""
    return number(
        E(
            "ZAP",
            E("N_ZAP", str(n)),
            E("PR_NOV", "0"),
            _pacient(id_pac),
            E(
                "Z_SL",
                E("IDCASE", str(n)),
                E("USL_OK", "1"),
                E("VIDPOM", "31"),
                E("FOR_POM", "3"),
                E("NPR_MO", "140002"),
                E("NPR_DATE", "2025-01-05"),
                E("LPU", "140001"),
                E("DATE_Z_1", "2025-01-10"),
                E("DATE_Z_2", "2025-01-20"),
                E("KD_Z", "10"),
                E("RSLT", "101"),
                E("ISHOD", "102"),
                E(
                    "SL",
                    E("SL_ID", f"0000000{n}-aaaa-4bbb-8ccc-000000000003"),
                    E("PROFIL", "60"),
                    E("PROFIL_K", "9"),
                    E("DET", "0"),
                    E("NHISTORY", f"О-{n}"),
                    E("P_PER", "1"),
                    E("DATE_1", "2025-01-10"),
                    E("DATE_2", "2025-01-20"),
                    E("KD", "10"),
                    E("DS1", "C50.9"),
                    E("C_ZAB", "1"),
                    E("DS_ONK", "0"),
                    E("CONS", E("PR_CONS", "1"), E("DT_CONS", "2025-01-09")),
                    E(
                        "ONK_SL",
                        E("DS1_T", "0"),
                        E("STAD", "2"),
                        E("ONK_T", "5"),
                        E("ONK_N", "10"),
                        E("ONK_M", "12"),
                        E(
                            "B_DIAG",
                            E("DIAG_DATE", "2025-01-11"),
                            E("DIAG_TIP", "1"),
                            E("DIAG_CODE", "1"),
                            E("DIAG_RSLT", "1"),
                            E("REC_RSLT", "1"),
                        ),
                        E("B_PROT", E("PROT", "1"), E("D_PROT", "2025-01-12")),
                        E("ONK_USL", E("USL_TIP", "1"), E("HIR_TIP", "1")),
                    ),
                    _ksg(),
                    E("PRVS", "37"),
                    E("VERS_SPEC", "V021"),
                    E("IDDOKT", "038-077-626 72"),
                    E("ED_COL", "1.00"),
                    E("TARIF", "50000.00"),
                    E("SUM_M", "50000.00"),
                    E(
                        "USL",
                        E("IDSERV", "1"),
                        E("LPU", "140001"),
                        E("PROFIL", "60"),
                        E("DET", "0"),
                        E("DATE_IN", "2025-01-12"),
                        E("DATE_OUT", "2025-01-12"),
                        E("DS", "C50.9"),
                        E("CODE_USL", "A16.20.032"),
                        E("KOL_USL", "1.00"),
                        E("TARIF", "0.00"),
                        E("SUMV_USL", "0.00"),
                        E("MR_USL_N", E("MR_N", "1"), E("PRVS", "37"), E("CODE_MD", "038-077-626 72")),
                    ),
                ),
                E("IDSP", "33"),
                E("SUMV", "50000.00"),
            ),
        )
    )


def day_zap(n: int = 1, id_pac: str = "P1") -> Node:
    """Day hospital (USL_OK=2), planned, КСГ."""
    return mutate(
        hosp_zap(n, id_pac), ("Z_SL/USL_OK", "2"), ("Z_SL/VIDPOM", "13"), ("Z_SL/RSLT", "201"), ("Z_SL/ISHOD", "202")
    )


def smp_zap(n: int = 1, id_pac: str = "P1") -> Node:
    """Emergency call outside a medical organisation (USL_OK=4)."""
    return mutate(
        amb_zap(n, id_pac),
        ("Z_SL/USL_OK", "4"),
        ("Z_SL/VIDPOM", "2"),
        ("Z_SL/FOR_POM", "1"),
        ("Z_SL/RSLT", "401"),
        ("Z_SL/ISHOD", "401"),
        ("Z_SL/SL/P_CEL", None),
        ("Z_SL/SL/PROFIL", "84"),
        ("Z_SL/SL/USL/PROFIL", "84"),
        ("Z_SL/IDSP", "36"),
    )


def newborn(zap: Node) -> Node:
    """The same record for a newborn (boy born 10.01.2025, first child) under the mother's policy."""
    z = with_(zap, "PACIENT/NOVOR", "11001251")
    z = with_(z, "Z_SL/SL/DET", "1")
    for i, _ in enumerate(z.find_all("Z_SL/SL/USL")):
        z = with_(z, f"Z_SL/SL/USL[{i}]/DET", "1")
    return z


# -- navigation and mutation ----------------------------------------------------------------
def _split(part: str) -> tuple[str, int]:
    if part.endswith("]") and "[" in part:
        tag, idx = part[:-1].split("[")
        return tag, int(idx)
    return part, 0


def at(node: Node, path: str) -> Optional[Node]:
    """Node along ``path``; ``TAG[i]`` selects the i-th child with that tag (0-based)."""
    cur: Optional[Node] = node
    for part in path.split("/"):
        tag, idx = _split(part)
        kids = [c for c in cur.children if c.tag == tag] if cur is not None else []
        cur = kids[idx] if idx < len(kids) else None
        if cur is None:
            return None
    return cur


def chain(node: Node, path: str) -> list[Node]:
    """All nodes from the first step to the end of ``path`` (stops where a step is missing)."""
    out, cur = [], node
    for part in path.split("/"):
        tag, idx = _split(part)
        kids = [c for c in cur.children if c.tag == tag]
        if idx >= len(kids):
            break
        cur = kids[idx]
        out.append(cur)
    return out


def with_(node: Node, path: str, value: Union[str, Node, None]) -> Node:
    """Copy of ``node`` with the element at ``path`` set to ``value`` (text or a Node); None
    removes it.  Missing elements on the way are created at the end of their parent."""
    root = copy.deepcopy(node)
    parts = path.split("/")
    cur = root
    for part in parts[:-1]:
        tag, idx = _split(part)
        kids = [c for c in cur.children if c.tag == tag]
        if idx < len(kids):
            cur = kids[idx]
        else:
            new = Node(tag)
            cur.children.append(new)
            cur = new
    tag, idx = _split(parts[-1])
    kids = [c for c in cur.children if c.tag == tag]
    target = kids[idx] if idx < len(kids) else None
    if value is None:
        if target is not None:
            cur.children.remove(target)
    elif isinstance(value, Node):
        if target is not None:
            cur.children[cur.children.index(target)] = copy.deepcopy(value)
        else:
            cur.children.append(copy.deepcopy(value))
    elif target is not None:
        target.text = value
        target.children = []
    else:
        cur.children.append(Node(tag, value))
    return number(root, node.line or 1)


def add(node: Node, path: str, value: Union[str, Node]) -> Node:
    """Copy of ``node`` with one more element ``path`` (appended after its last sibling of the
    same tag, or at the end of the parent)."""
    root = copy.deepcopy(node)
    parts = path.split("/")
    parent = at(root, "/".join(parts[:-1])) if len(parts) > 1 else root
    assert parent is not None, path
    new = copy.deepcopy(value) if isinstance(value, Node) else Node(parts[-1], value)
    same = [i for i, c in enumerate(parent.children) if c.tag == new.tag]
    parent.children.insert(same[-1] + 1 if same else len(parent.children), new)
    return number(root, node.line or 1)


def mutate(node: Node, *changes) -> Node:
    """Apply ``(path, value)`` changes (``with_``) or ``("+path", value)`` (``add``) in order."""
    for path, value in changes:
        node = add(node, path[1:], value) if path.startswith("+") else with_(node, path, value)
    return node
