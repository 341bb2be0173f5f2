"""The condition language of Q015 (``USL_TEST``, and ``VAL_EL`` written as a comparison), parsed
into a tree and compiled into one Python function per rule.

What it reads::

    SANK.S_TIP={1, 10,11,12} и SANK.S_SUM<>0 и S_IST=1      sets, =, <>, и
    19<SANK.S_TIP<30          C00.0<=DS1<D10                 ranges (chained comparisons)
    (Pi=M и Pp=S) или USL_OK<>{1, 2}                         parentheses, или, the file name's parts
    Тег SL.USL присутствует   присутствует IT_SL   SMO и SMO_OGRN отсутствуют      presence
    ZL_LIST/ZAP/Z_SL/P_OTK=0                                 a full path
    Возраст ЗЛ>=18 лет        DS1 найден в N009              age on DATE_Z_1, a reference-book look-up

Names are elements (resolved by :mod:`app.controls.official.elements` relative to the rule's
element), ``Pi``/``Pp``/``Ni``/``Np`` (the parts of the file name) or ``AGE``; any other word is a
literal (a number, a diagnosis code ``C00.0``, a letter).  A comparison of an element that occurs
several times holds when one of its values satisfies it; a comparison with an absent element does
not hold.  Numbers compare as numbers, anything else as text (diagnosis codes and ISO dates order
correctly as text).  Anything else — words the grammar does not know — raises
:class:`~app.controls.official.elements.NotCompiled`, and the row stays off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Optional, Union

from app.controls.official.elements import (
    LOOKALIKES,
    Locator,
    NotCompiled,
    is_block,
    is_element_name,
    locate,
    target_path,
)
from app.controls.values import age_on

# -- the tree ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Name:
    word: str


@dataclass(frozen=True)
class Literal:
    text: str


@dataclass(frozen=True)
class SetOf:
    items: tuple[str, ...]


Operand = Union[Name, Literal, SetOf]


@dataclass(frozen=True)
class Compare:
    ops: tuple[str, ...]  # chained: a < b < c
    operands: tuple[Operand, ...]


@dataclass(frozen=True)
class Presence:
    names: tuple[str, ...]
    present: bool  # True: all present; False: all absent


@dataclass(frozen=True)
class FoundIn:
    name: str
    book: str


@dataclass(frozen=True)
class And:
    parts: tuple


@dataclass(frozen=True)
class Or:
    parts: tuple


Tree = Union[Compare, Presence, FoundIn, And, Or]

# -- words ---------------------------------------------------------------------------------------
_AND = {"и"}
_OR = {"или"}
_TAG = {"тег", "теги"}
_PRESENT = {"присутствует", "присутствуют"}
_ABSENT = {"отсутствует", "отсутствуют"}
_SPECIAL = {"Pi", "Pp", "Ni", "Np", "AGE"}

_AGE_DATE = r"(?:\s*на\s+дату\s+начала\s+законченного\s+случая\s*\(DAT[AE]_Z_1\))?"
_AGE = re.compile(
    r"Возраст(?:\s+ЗЛ)?" + _AGE_DATE + r"\s*(больше\s+или\s+равен|меньше\s+или\s+равен|больше|меньше|>=|<=|<|>)\s*"
    r"(\d+)\s*(?:лет|года?)" + _AGE_DATE,
    re.I,
)
_AGE_OPS = {"больше или равен": ">=", "меньше или равен": "<=", "больше": ">", "меньше": "<"}
_FILENAME_NOTE = re.compile(r"\s*[;,]\s*Pi\s+и\s+Pp\s+определяются\s+по\s+полю\s+FILENAME\s*$", re.I)
_FOUND = re.compile(r"([A-Za-z_][A-Za-z0-9_./]*)\s+найден\s+в\s+([A-Z]\d{3})")
_TOKEN = re.compile(
    r"\s*(?:(?P<set>\{[^}]*\})|(?P<op><=|>=|<>|=|<|>)|(?P<lp>\()|(?P<rp>\))|(?P<comma>,)"
    r"|(?P<found>FOUND\[[^\]]*\])|(?P<word>[^\s(){}<>=,]+))"
)
_LOOKALIKE_WORD = re.compile(r"[A-Z0-9_.АВЕКМНОРСТХ]+")
#: what a constant may look like: a number, a code (C00.0, D10, sh0001, M, Т), a Cyrillic code (ДВ4)
_CONSTANT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?|[A-Za-zА-ЯЁ]{1,6}[0-9]*(?:\.[0-9]+)?")


def _literal(word: str) -> str:
    """A code written with a Cyrillic look-alike (``Pi=Т``) is the Latin code."""
    return word.translate(LOOKALIKES) if _LOOKALIKE_WORD.fullmatch(word) else word


def _prepare(text: str) -> str:
    text = " ".join(text.replace("\u00a0", " ").split())
    text = _FILENAME_NOTE.sub("", text)
    text = _AGE.sub(lambda m: f" AGE{_AGE_OPS.get(' '.join(m[1].lower().split()), m[1])}{m[2]} ", text)
    text = _FOUND.sub(lambda m: f" FOUND[{m[1]}:{m[2]}] ", text)
    return text.strip()


def tokenize(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = _prepare(text)
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise NotCompiled(f"не разобрано условие: «{text[pos : pos + 30]}»")
        pos = m.end()
        kind = m.lastgroup
        if kind is None:
            continue
        value = m.group(kind)
        if kind == "word":
            low = value.lower()
            if low in _AND:
                kind = "and"
            elif low in _OR:
                kind = "or"
            elif low in _TAG:
                continue
            elif low in _PRESENT:
                kind = "present"
            elif low in _ABSENT:
                kind = "absent"
        out.append((kind, value))
    return out


# -- the parser ----------------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], text: str):
        self.t, self.i, self.text = tokens, 0, text

    def peek(self, k: int = 0) -> Optional[tuple[str, str]]:
        j = self.i + k
        return self.t[j] if j < len(self.t) else None

    def fail(self, why: str):
        raise NotCompiled(f"не разобрано условие «{self.text}»: {why}")

    def take(self, kind: str) -> str:
        tok = self.peek()
        if tok is None or tok[0] != kind:
            self.fail(f"ожидалось {kind}")
        self.i += 1
        return tok[1]

    def parse(self) -> Tree:
        tree = self.expr()
        if self.peek() is not None:
            self.fail(f"лишнее «{self.peek()[1]}»")
        return tree

    def expr(self) -> Tree:
        parts = [self.conj()]
        while self.peek() and self.peek()[0] == "or":
            self.i += 1
            parts.append(self.conj())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conj(self) -> Tree:
        parts = [self.unary()]
        while self.peek() and self.peek()[0] == "and":
            self.i += 1
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def _name_list(self) -> Optional[tuple[list[str], int]]:
        """``A, B и C отсутствуют``: the names and the index of the presence word, else None."""
        names, j = [], self.i
        while j < len(self.t):
            kind, value = self.t[j]
            if kind == "word":
                names.append(value)
            elif kind in ("present", "absent"):
                return (names, j) if names else None
            elif kind not in ("comma", "and"):
                return None
            j += 1
        return None

    def unary(self) -> Tree:
        tok = self.peek()
        if tok is None:
            self.fail("условие оборвано")
        kind, value = tok
        if kind == "lp":
            self.i += 1
            tree = self.expr()
            self.take("rp")
            return tree
        if kind in ("present", "absent"):  # «присутствует IT_SL»
            self.i += 1
            return Presence((self.take("word"),), kind == "present")
        if kind == "found":
            self.i += 1
            name, book = value[6:-1].split(":")
            return FoundIn(name, book)
        if kind == "word" and (listed := self._name_list()) is not None:
            names, j = listed
            self.i = j + 1
            return Presence(tuple(names), self.t[j][0] == "present")
        operands, ops = [self.operand()], []
        while self.peek() and self.peek()[0] == "op":
            ops.append(self.take("op"))
            operands.append(self.operand())
        if not ops:
            self.fail(f"«{value}» без сравнения")
        return Compare(tuple(ops), tuple(operands))

    def operand(self) -> Operand:
        tok = self.peek()
        if tok is None:
            self.fail("нет значения после сравнения")
        kind, value = tok
        self.i += 1
        if kind == "set":
            return SetOf(tuple(_literal(x.strip()) for x in value[1:-1].split(",") if x.strip()))
        if kind != "word":
            self.fail(f"«{value}» на месте значения")
        if value in _SPECIAL or is_element_name(value):
            return Name(value)
        if not _CONSTANT.fullmatch(value):
            self.fail(f"«{value}» — не элемент и не значение")
        return Literal(_literal(value))


def parse(text: str) -> Tree:
    """The tree of a condition; raises :class:`NotCompiled` for text outside the grammar."""
    tokens = tokenize(text or "")
    if not tokens:
        raise NotCompiled("пустое условие")
    return _Parser(tokens, text).parse()


# -- compiling to a function of (chain, view) -----------------------------------------------------

Values = Callable[[tuple, object], list]


def nodes_getter(loc: Locator) -> Callable[[tuple, object], list]:
    """The nodes a locator names, from the chain of the checked element's parent and the view."""
    down = loc.down
    if loc.kind == "header":
        raise NotCompiled(f"{loc.path} — значение заголовка, а не элемент записи")

    def descend(start) -> list:
        nodes = [start]
        for tag in down:
            nodes = [c for n in nodes for c in n.children if c.tag == tag]
            if not nodes:
                break
        return nodes

    if loc.kind == "person":

        def of_person(chain, view):
            person = getattr(view, "person", None)
            return descend(person) if person is not None else []

        return of_person
    up = loc.up

    def of_chain(chain, view):
        return descend(chain[up]) if up < len(chain) else []

    return of_chain


def _header_text(value) -> Optional[str]:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


@dataclass
class Compiled:
    """A compiled condition: ``test(chain, view)`` and the element paths it reads (for the rule's
    ``reads``: no cascade from a wrong value)."""

    test: Callable[[tuple, object], bool]
    reads: tuple[str, ...] = ()


class _Compiler:
    def __init__(self, rule_path: tuple[str, ...], root: tuple[str, ...], self_values: Optional[Values] = None):
        self.rule_path, self.root, self.reads = rule_path, root, []
        self.self_values = self_values

    def values(self, word: str) -> Values:
        if word in ("Pi", "Pp", "Ni", "Np"):
            attr = word.lower()

            def name_part(chain, view):
                parsed = view.ctx.parsed_name
                return [getattr(parsed, attr)] if parsed is not None else []

            return name_part
        if word == "AGE":
            if self.root[0] != "ZL_LIST" or len(self.root) < 2:
                raise NotCompiled("возраст проверяется только в записи случая")

            def age(chain, view):
                years = age_on(getattr(view, "dr", None), getattr(view, "date_z_1", None))
                return [str(years)] if years is not None else []

            return age
        if self.self_values is not None and self._is_self(word):
            return self.self_values
        loc = locate(word, self.rule_path, self.root)
        self.reads.append(loc.path)
        if loc.kind == "header":
            attr = loc.field

            def header(chain, view):
                v = _header_text(getattr(view.ctx, attr, None))
                return [v] if v is not None else []

            return header
        get = nodes_getter(loc)

        def texts(chain, view):
            return [n.text for n in get(chain, view) if n.text]

        return texts

    def _is_self(self, word: str) -> bool:
        return word.translate(LOOKALIKES).replace(".", "/").split("/")[-1] == self.rule_path[-1]

    def nodes(self, word: str):
        loc = locate(word, self.rule_path, self.root)
        self.reads.append(loc.path)
        return nodes_getter(loc)

    def build(self, tree: Tree) -> Callable[[tuple, object], bool]:
        if isinstance(tree, And):
            fs = [self.build(p) for p in tree.parts]
            return lambda chain, view: all(f(chain, view) for f in fs)
        if isinstance(tree, Or):
            fs = [self.build(p) for p in tree.parts]
            return lambda chain, view: any(f(chain, view) for f in fs)
        if isinstance(tree, Presence):
            # a block («Тег B_DIAG присутствует») is there when its tag is; a leaf when it has a value
            getters = [(self.nodes(n), is_block(target_path(n, self.rule_path))) for n in tree.names]
            want = tree.present

            def presence(chain, view):
                for g, block in getters:
                    nodes = g(chain, view)
                    found = bool(nodes) if block else any(n.text for n in nodes)
                    if found != want:
                        return False
                return True

            return presence
        if isinstance(tree, FoundIn):
            get = self.values(tree.name)
            book = tree.book

            def found_in(chain, view):
                nsi = view.ctx.nsi
                return nsi is not None and any(nsi.has(book, v) for v in get(chain, view))

            return found_in
        names = [o for o in tree.operands if isinstance(o, Name)]
        if len(tree.ops) > 1 and len(names) == 1:  # 19<S_TIP<30: one value inside every bound
            return self.range(tree, names[0])
        pairs = [self.compare(op, a, b) for op, a, b in zip(tree.ops, tree.operands, tree.operands[1:], strict=False)]
        if len(pairs) == 1:
            return pairs[0]
        return lambda chain, view: all(f(chain, view) for f in pairs)

    def range(self, tree: Compare, name: Name):
        """A chained comparison of one element with constants holds when one of the element's values
        is within every bound (two SANK with S_TIP 10 and 40 are not «19<S_TIP<30»)."""
        get = self.values(name.word)
        tests = []
        for op, a, b in zip(tree.ops, tree.operands, tree.operands[1:], strict=False):
            if isinstance(a, SetOf) or isinstance(b, SetOf):
                raise NotCompiled("множество в цепочке сравнений")
            cmp = _OPS[op]
            if a is name:
                bound = _value(b.text)
                tests.append(lambda v, cmp=cmp, bound=bound: _ordered(cmp, v, bound))
            else:
                bound = _value(a.text)
                tests.append(lambda v, cmp=cmp, bound=bound: _ordered(cmp, bound, v))
        return lambda chain, view: any(all(t(_value(v)) for t in tests) for v in get(chain, view))

    def operand(self, o: Operand):
        if isinstance(o, Name):
            return "values", self.values(o.word)
        if isinstance(o, SetOf):
            return "set", tuple(_value(x) for x in o.items)
        return "const", _value(o.text)

    def compare(self, op: str, a: Operand, b: Operand):
        ka, va = self.operand(a)
        kb, vb = self.operand(b)
        if ka == "set" and kb == "set" or ka == "set" and op not in ("=", "<>"):
            raise NotCompiled("множество можно только сравнить на = или <>")
        if ka == "set":  # {1, 2}=X
            ka, va, kb, vb = kb, vb, ka, va
        if kb == "set":
            if op not in ("=", "<>"):
                raise NotCompiled("множество можно только сравнить на = или <>")
            members = frozenset(vb)
            inside = op == "="
            if ka == "const":
                raise NotCompiled("множество сравнивается с постоянной")
            return lambda chain, view: any((_value(v) in members) == inside for v in va(chain, view))
        cmp = _OPS[op]
        if ka == "const" and kb == "const":
            raise NotCompiled("сравнение двух постоянных")
        if ka == "const":
            return lambda chain, view: any(_ordered(cmp, va, _value(v)) for v in vb(chain, view))
        if kb == "const":
            return lambda chain, view: any(_ordered(cmp, _value(v), vb) for v in va(chain, view))
        return lambda chain, view: any(
            _ordered(cmp, _value(x), _value(y)) for x in va(chain, view) for y in vb(chain, view)
        )


_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def _value(text: str):
    """A number when the text is one (so 1 = 1.00 and 9 < 10), else the text itself."""
    if _NUMBER.fullmatch(text):
        return Decimal(text)
    return text


def _ordered(cmp, a, b) -> bool:
    if type(a) is not type(b):  # a number against a code: compare as written
        a, b = str(a), str(b)
    return cmp(a, b)


_OPS = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def compile_condition(
    text: str, rule_path: tuple[str, ...], root: tuple[str, ...], self_values: Optional[Values] = None
) -> Compiled:
    """Compile ``text`` for a rule on ``rule_path`` whose chain starts at ``root``.  With
    ``self_values``, the rule's own element stands for the value being checked (``TAL_D>=DR``)."""
    tree = parse(text)
    c = _Compiler(rule_path, root, self_values)
    test = c.build(tree)
    return Compiled(test, tuple(dict.fromkeys(c.reads)))
