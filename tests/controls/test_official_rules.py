"""Every official Q015 row the interpreter compiles, through the ФЛК: one record that violates the
rule yields exactly its code, one close record that keeps it yields nothing.

The records are built from the row by a small solver over the parsed condition (it assigns values that
make the condition hold), then checked by the engine (``check_record`` / ``check_header`` /
``check_person`` with a rule book of that one rule): the verdict is the pipeline's, not the solver's.
Run against the official Q015 v2.2 of ``../shared/oms-reference`` (skipped, with the reason, in a clone
of the repository alone; CI has it).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from app.controls.catalogue import RuleBook
from app.controls.flk import FlkContext, check_header, check_person, check_record
from app.controls.flk.registry import REGISTRY
from app.controls.official import NotCompiled, compile_row
from app.controls.official.conditions import And, Compare, FoundIn, Name, Or, Presence, SetOf, parse
from app.controls.official.elements import PERSON_ROOT, RECORD_ROOT, definition_paths, is_element_name, target_path
from app.controls.rule_tables import iter_rule_table
from app.formats.definitions import supported_versions
from app.formats.record import Node
from app.nsi.lookup import MemoryNsi

Q015 = "ruslanzykov__check_tfoms_errors/Q015.xml"
FILE_NAME = "HM140001S14001_2511011"


@pytest.fixture(scope="module")
def official_rows(official_reference):
    rows = []
    for row in iter_rule_table(official_reference / Q015):
        if row["code"] in REGISTRY or not set(row["file_types"]) & set("CHTXL"):
            continue
        try:
            rows.append((row, compile_row(row)))
        except NotCompiled:
            continue
    return rows


# -- building records ---------------------------------------------------------------------------------
class Record:
    """The nodes of one test record: a root (ZAP, PERS or the ZL_LIST/PERS_LIST header) and the chain
    of the rule's parent, built on demand."""

    def __init__(self, spec):
        parts = tuple(spec.element_path.split("/"))
        self.parts = parts
        if parts[:2] == RECORD_ROOT:
            self.root_path = RECORD_ROOT
            self.root = Node("ZAP", None, 1, [Node("N_ZAP", "1", 2)])
        elif parts[:2] == PERSON_ROOT:
            self.root_path = PERSON_ROOT
            self.root = Node("PERS", None, 1, [Node("ID_PAC", "P1", 2)])
        else:
            self.root_path = parts[:1]
            self.root = Node(parts[0], None, 1)
        self.person = Node("PERS", None, 1, [Node("ID_PAC", "P1", 2)])
        self.chain = [self.root]
        for tag in parts[len(self.root_path) : -1]:
            self.chain.append(self._child(self.chain[-1], tag))
        self.nsi: dict[str, set] = {}
        self.file_name = FILE_NAME

    @staticmethod
    def _child(parent: Node, tag: str) -> Node:
        for c in parent.children:
            if c.tag == tag:
                return c
        node = Node(tag, None, 10 + len(parent.children))
        parent.children.append(node)
        return node

    def node_at(self, path: tuple[str, ...]) -> Node:
        """The node of a full path (created), sharing the chain's branch where the paths meet."""
        if path[:2] == PERSON_ROOT and self.root_path != PERSON_ROOT:
            start, rest = self.person, path[2:]
        elif path[: len(self.root_path)] == self.root_path:
            common = 0
            for a, b in zip(path, self.parts[:-1], strict=False):
                if a != b:
                    break
                common += 1
            start = self.chain[common - len(self.root_path)]
            rest = path[common:]
        else:
            raise LookupError(path)
        node = start
        for tag in rest:
            node = self._child(node, tag)
        return node

    def set(self, path, value: str) -> None:
        node = self.node_at(path)
        node.text, node.children = value, []

    def remove(self, path) -> None:
        parent = self.node_at(path[:-1])
        parent.children = [c for c in parent.children if c.tag != path[-1]]


def _succ(value: str, up: bool) -> str:
    if re.fullmatch(r"-?\d+(\.\d+)?", value):
        d = Decimal(value) + (1 if up else -1)
        return str(d)
    return value + ".9" if up else "A00"


def _satisfy(tree, rec: Record, spec, truth: bool = True) -> None:
    """Give the record values that make ``tree`` hold (the solver; ``truth`` False: not hold)."""
    parts = rec.parts
    if isinstance(tree, And) and truth or isinstance(tree, Or) and not truth:
        for p in tree.parts:
            _satisfy(p, rec, spec, truth)
        return
    if isinstance(tree, Or | And):
        _satisfy(tree.parts[0], rec, spec, truth)
        return
    if isinstance(tree, Presence):
        for name in tree.names:
            path = target_path(name, parts)
            if tree.present == truth:
                if path != parts[: len(path)]:  # an ancestor of the rule's element is there already
                    node = rec.node_at(path)
                    if not node.children and node.text is None:
                        node.text = "1"
            else:
                rec.remove(path)
        return
    if isinstance(tree, FoundIn):
        path = target_path(tree.name, parts)
        rec.set(path, "C50.1")
        if truth:
            rec.nsi.setdefault(tree.book, set()).add("C50.1")
        return
    assert isinstance(tree, Compare)
    names = [o for o in tree.operands if isinstance(o, Name)]
    if len(names) == 2:  # NAPR_MO=CODE_MO: the record's element against another (or the header's)
        _satisfy_pair(tree, rec, truth)
        return
    assert len(names) == 1, f"{spec.code}: the solver assigns one name per comparison"
    name = names[0].word
    low, high = [], []  # (bound, inclusive)
    equal, unequal = [], []
    for op, a, b in zip(tree.ops, tree.operands, tree.operands[1:], strict=False):
        if isinstance(a, Name):
            op = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
            a, b = b, a
        # now: constant `a` op name `b` read as: name (op flipped) constant
        value = a.items if isinstance(a, SetOf) else (a.text,)
        flipped = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
        if flipped == "=":
            equal.append(value)
        elif flipped == "<>":
            unequal.append(value)
        elif flipped in (">", ">="):
            low.append((value[0], flipped == ">="))
        else:
            high.append((value[0], flipped == "<="))
    if not truth:  # the simplest falsifier: a value outside everything
        if equal:
            value = "777"
        elif unequal:
            value = unequal[0][0]
        elif low:
            value = _succ(low[0][0], up=False)
        else:
            value = _succ(high[0][0], up=True)
    elif equal:
        value = equal[0][0]
    elif low:
        bound, inclusive = low[0]
        value = bound if inclusive else _succ(bound, up=True)
    elif high:
        bound, inclusive = high[0]
        value = bound if inclusive else _succ(bound, up=False)
    else:
        value = "777"
    if name in ("Pi", "Pp"):
        letter = value[:1].upper()
        rec.file_name = (
            FILE_NAME[:1] + letter + FILE_NAME[2:] if name == "Pi" else FILE_NAME[:8] + letter + FILE_NAME[9:]
        )
        return
    if name == "AGE":
        years = int(Decimal(value))
        rec.set(("PERS_LIST", "PERS", "DR"), dt.date(2000, 1, 1).isoformat())
        rec.set(("ZL_LIST", "ZAP", "Z_SL", "DATE_Z_1"), dt.date(2000 + years, 1, 1).isoformat())
        return
    path = target_path(name, parts)
    if path == parts:
        return  # the rule's own element: set by the case itself
    rec.set(path, value)


#: the header values of the test context (HEADER_FIELDS of app.controls.official.elements)
HEADER = {"ZL_LIST/SCHET/CODE_MO": "140001", "ZL_LIST/SCHET/YEAR": "2025", "ZL_LIST/SCHET/PLAT": "14001"}


def _satisfy_pair(tree, rec: Record, truth: bool) -> None:
    (op,) = tree.ops
    a, b = (target_path(o.word, rec.parts) for o in tree.operands)
    fixed = HEADER.get("/".join(b)) or HEADER.get("/".join(a)) or "5"
    free = a if "/".join(a) not in HEADER else b
    holds = {"=": fixed, "<>": fixed + "1", ">=": fixed, "<=": fixed, "<": None, ">": None}[op]
    if holds is None or free == rec.parts:
        raise AssertionError(f"pair {tree} not solved")
    value = holds if truth else (fixed + "1" if op == "=" else fixed)
    if "/".join(a) not in HEADER and "/".join(b) not in HEADER:
        rec.set(b, fixed)
    rec.set(free, value)


def _good_value(spec, row) -> str:
    """A value the rule accepts (format, set, look-up)."""
    if spec.kind == "lookup":
        return "1"
    if spec.kind == "format":
        mask = (row.get("mask") or "").replace("Х", "X")
        if mask == "ГГГГ-ММ-ДД":
            return "2025-01-15"
        if mask:
            return "".join("1" if c == "9" else "A" if c == "A" else "" if c == "X" else c for c in mask).rstrip(".")
        n = max(int(row.get("min_len") or 1), 1)
        comment = (row.get("comment") or "").lower()
        return ("1" if "цифр" in comment or "любые" in comment else "А" if "русск" in comment else "A") * n
    if spec.kind == "value":
        raw = row["value"].strip()
        if raw.startswith("{"):
            return raw[1:-1].split(",")[0].strip()
        if m := re.fullmatch(r"(<=|>=|<|>)\s*([\d.]+)", raw):
            return str(Decimal(m[2]) - 1 if m[1] == "<" else Decimal(m[2]) + (1 if m[1] == ">" else 0))
        return raw
    return "1"


def _bad_value(spec, row) -> str:
    if spec.kind == "lookup":
        return "ZZ9"
    if spec.kind == "format":
        if (row.get("mask") or "") == "ГГГГ-ММ-ДД":
            return "2025-13-45"
        hi = row.get("max_len")
        return "1" * (int(hi) + 1) if hi else "@@@"
    raw = row["value"].strip()
    if raw.startswith("{"):
        return "777"
    if m := re.fullmatch(r"(<=|>=|<|>)\s*([\d.]+)", raw):
        return str(Decimal(m[2]) + 1 if m[1] in ("<", "<=") else Decimal(m[2]) - 1)
    return "777"


def _version(kind: str, path: str) -> str | None:
    for version in reversed(supported_versions(kind)):
        paths = definition_paths(kind, version)
        if paths is not None and path in paths:
            return version
    return None


def _verdict(spec, rec: Record) -> set[str]:
    kind = "L" if spec.target == "L" else next(k for k in "HCTX" if k in spec.file_types)
    on = spec.valid_to or dt.date(2025, 11, 1)  # a row no longer in force: a period inside its dates
    ctx = FlkContext(
        file_kind=kind if kind != "L" else "H",
        version=_version(kind, spec.element_path) if kind != "L" else None,
        l_version=_version("L", spec.element_path) if kind == "L" else None,
        file_name=rec.file_name,
        year=on.year,
        month=on.month,
        code_mo="140001",
        plat="14001",
        dschet=dt.date(2025, 11, 30),
        rules=RuleBook(RuleBook.only([spec.code]).settings, extra=(spec,)),
        nsi=MemoryNsi({book: [(c, "x", None, None) for c in codes] for book, codes in rec.nsi.items()}),
    )
    if spec.scope == "header":
        found = check_header(rec.root, ctx)
    elif spec.scope == "person":
        found = check_person(rec.root, ctx)
    else:
        found = check_record(rec.root, rec.person, ctx)
    return {f.code for f in found}


def _cases(spec, row):
    """(violating record, close record) of one rule."""
    pair = []
    for violate in (True, False):
        rec = Record(spec)
        if (row.get("condition") or "").strip():
            _satisfy(parse(row["condition"]), rec, spec)
        if spec.kind == "lookup":
            rec.nsi.setdefault(row["nsi_obj"].strip(), set()).add("1")
        element = rec.parts
        if spec.kind == "required":
            if violate:
                rec.remove(element)
            else:
                rec.set(element, "1")
        elif spec.kind == "absent":
            if violate:
                node = rec.node_at(element)  # a block the condition filled keeps its children
                if node.text is None and not node.children:
                    node.text = "1"
            else:
                rec.remove(element)
        else:
            rec.set(element, _bad_value(spec, row) if violate else _good_value(spec, row))
        pair.append(rec)
    return pair


def _relational(row) -> bool:
    raw = (row.get("value") or "").strip()
    return (
        bool(raw)
        and not raw.startswith("{")
        and not re.fullmatch(r"(<=|>=|<|>)?\s*[\w.]+", raw)
        or (bool(re.fullmatch(r"[A-Z_]{3,}", raw)) and raw != "нет")
    )


def test_the_interpreter_compiles_most_official_rows(official_rows):
    assert len(official_rows) >= 350  # 366 of Q015 v2.2 besides the 225 written in code


def test_each_interpreted_rule_fires_on_a_violation_and_not_on_a_close_record(official_rows):
    failures, checked = [], 0
    for row, spec in official_rows:
        if _relational(row):
            continue  # test_relational_values below
        checked += 1
        try:
            violating, close = _cases(spec, row)
        except AssertionError as exc:
            failures.append(f"{spec.code} {spec.kind}: {exc}")
            continue
        got_bad, got_good = _verdict(spec, violating), _verdict(spec, close)
        if got_bad != {spec.code} or got_good:
            failures.append(f"{spec.code} {spec.kind}: violation → {sorted(got_bad)}, close → {sorted(got_good)}")
    assert not failures, "\n".join(failures)
    assert checked >= 340


def test_a_condition_that_does_not_hold_keeps_a_rule_silent(official_rows):
    """Required under a condition: with the condition false, the element may be absent."""
    checked = 0
    for row, spec in official_rows:
        if spec.kind != "required" or not (row.get("condition") or "").strip():
            continue
        tree = parse(row["condition"])
        if isinstance(tree, Presence) and tree.present and len(tree.names) == 1:
            path = target_path(tree.names[0], tuple(spec.element_path.split("/")))
            if path == tuple(spec.element_path.split("/"))[: len(path)]:
                continue  # «Тег SL.USL присутствует» on a USL element: always true there
        rec = Record(spec)
        _satisfy(tree, rec, spec, truth=False)
        rec.remove(rec.parts)
        assert _verdict(spec, rec) == set(), spec.code
        checked += 1
    assert checked >= 40


def test_relational_values(official_rows):
    """Rows comparing the element with another (TAL_D>=DR, SANK_IT=SUMV under OPLATA=2 …): the
    violation and the close record differ in the one value."""
    done = 0
    for row, spec in official_rows:
        if not _relational(row):
            continue
        raw = row["value"].strip()
        m = re.fullmatch(r"(\w+)\s*(<>|>=|<=|=|<|>)\s*(\w+)", raw) or re.fullmatch(r"(\w+)", raw)
        if m is None:
            m2 = re.fullmatch(r"0<(\w+)<(\w+)", raw)
            assert m2, f"{spec.code}: {raw}"
            left, op, right = m2[1], "<", m2[2]
        elif m.lastindex == 1:
            left, op, right = spec.element, "=", m[1]
        else:
            left, op, right = m[1], m[2], m[3]
        parts = tuple(spec.element_path.split("/"))
        for violate in (True, False):
            rec = Record(spec)
            if (row.get("condition") or "").strip():
                _satisfy(parse(row["condition"]), rec, spec)
            other = target_path(right, parts) if is_element_name(right) else None
            base = "2020-05-02" if "DATE" in right or right in ("DR", "TAL_D") or "DATE" in left else "5"
            if right == "YEAR":
                base = "2025"
            elif other is None:
                base = right  # a constant: SANK_IT=0, DS1<>D70
            if other is not None and other[:2] != ("ZL_LIST", "SCHET"):
                rec.set(other, base)
            ok = {
                "=": base,
                "<>": base + "1",
                ">=": base,
                "<=": base,
                "<": "2020-05-01" if "-" in base else "4",
                ">": "2020-05-03" if "-" in base else "6",
            }[op]
            bad = {
                "=": "2020-05-03" if "-" in base else "7",
                "<>": base,
                ">=": "2020-05-01" if "-" in base else "4",
                "<=": "2020-05-03" if "-" in base else "6",
                "<": base,
                ">": base,
            }[op]
            rec.set(parts, bad if violate else ok)
            got = _verdict(spec, rec)
            assert got == ({spec.code} if violate else set()), f"{spec.code} ({raw}), violate={violate}: {got}"
        done += 1
    assert done >= 5


def test_a_rule_runs_only_on_the_format_versions_that_have_its_element(official_rows):
    """USL/PRVS (Q015 v2.2) is not a rule of a 5.1 file, where PRVS moved into MR_USL_N."""
    spec = next(s for _, s in official_rows if s.code == "003F.00.2961")
    rec = Record(spec)
    rec.node_at(("ZL_LIST", "ZAP", "Z_SL", "SL", "USL", "IDSERV")).text = "1"
    assert _verdict(spec, rec) == {"003F.00.2961"}  # the latest version that has USL/PRVS
    ctx = FlkContext(file_kind="H", version="5.1", rules=RuleBook(RuleBook.only([spec.code]).settings, extra=(spec,)))
    assert check_record(rec.root, None, ctx) == []


def test_the_rows_for_codes_newer_than_the_official_table_run_like_imported_ones():
    """The project's rows for the newer codes (app/controls/official/newer.py): each compiles, is
    not also written in code, fires on a violation and not on a close record — without ../shared."""
    from app.controls.official.newer import NEWER_ROWS

    assert {r["code"] for r in NEWER_ROWS} >= {"001F.00.0361", "001F.00.0371", "001F.00.0663"}
    for row in NEWER_ROWS:
        assert row["code"] not in REGISTRY, row["code"]
        spec = compile_row(row)
        violating, close = _cases(spec, row)
        assert _verdict(spec, violating) == {spec.code}, spec.code
        assert _verdict(spec, close) == set(), spec.code
