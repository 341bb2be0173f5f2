"""What the ФЛК and the МЭК share about their rules: the rule spec, the registry of the rules the code
implements, and the rule book — what the database catalogue says of them on a date.

A rule is implemented in code (one registered function under its code, with the defaults of its
element path, file types, message and validity dates).  The catalogue in the database («Правила
контроля», seeded from the code by ``oms sync-rules``) is what a load obeys: the fund switches a
rule on or off, changes its message, its validity dates and — for the МЭК — its F014 reason and the
share it withholds; the next load uses them.  A load builds one :class:`RuleBook` per stage
(``app.services.reference.rules.rules_in_force``) and the contexts of both stages ask it the same
question: :meth:`RuleBook.active`.

Pure: no database, no Flask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Callable, Generic, Iterable, Mapping, Optional, TypeVar

MESSAGE_MAX = 250


class RuleError(RuntimeError):
    """A rule crashed (a bug, not bad data): the file goes to «Ошибка при валидации данных»."""

    def __init__(self, stage: str, code: str, exc: BaseException):
        super().__init__(f"{stage}: правило {code} завершилось с ошибкой: {exc!r}")
        self.code = code


def comment(message: str, detail: Optional[str]) -> str:
    """A finding's text: the rule's message, with what the rule adds in brackets, within 250."""
    text = f"{message} ({detail})" if detail else message
    return text if len(text) <= MESSAGE_MAX else text[: MESSAGE_MAX - 1] + "…"


def within(on: Optional[date], valid_from: Optional[date], valid_to: Optional[date]) -> bool:
    """``on`` inside [valid_from, valid_to] (open ends); any date when ``on`` is None."""
    if on is None:
        return True
    return not ((valid_from is not None and on < valid_from) or (valid_to is not None and on > valid_to))


@dataclass(frozen=True)
class RuleSpec:
    """One implemented rule: its code (Q015/Q016 ``ID_TEST`` or regional), the element it checks,
    the file types it applies to, its default message and validity dates, its scope and function."""

    code: str
    element_path: str
    file_types: str
    message: str
    valid_from: Optional[date] = None
    valid_to: Optional[date] = None
    scope: str = "record"
    fn: Optional[Callable[..., Iterable]] = field(default=None, compare=False, repr=False)

    @property
    def element(self) -> str:
        """IM_POL: the last element of the path."""
        return self.element_path.rsplit("/", 1)[-1]

    @property
    def base_element(self) -> Optional[str]:
        """BAS_EL: its parent element."""
        parts = self.element_path.split("/")
        return parts[-2] if len(parts) > 1 else None

    @property
    def is_federal(self) -> bool:
        return self.code[5:7] == "00"

    def valid_on(self, on: Optional[date]) -> bool:
        """By the code's own dates (the catalogue's win: :meth:`RuleBook.in_force`)."""
        return within(on, self.valid_from, self.valid_to)

    def applies_to(self, file_kind: str) -> bool:
        return file_kind in self.file_types


S = TypeVar("S", bound=RuleSpec)


class RuleRegistry(Generic[S]):
    """The implemented rules of one stage, by code."""

    def __init__(
        self,
        stage: str,
        scopes: tuple[str, ...],
        file_letters: frozenset[str],
        check: Optional[Callable[[S], None]] = None,
    ):
        self.stage, self.scopes, self.file_letters, self._check = stage, scopes, file_letters, check
        self._rules: dict[str, S] = {}
        self._sorted: Optional[list[S]] = None

    def register(self, spec: S) -> S:
        if spec.code in self._rules:
            raise ValueError(f"rule {spec.code} registered twice")
        if spec.scope not in self.scopes:
            raise ValueError(f"rule {spec.code}: unknown scope {spec.scope!r}")
        if not spec.file_types or not set(spec.file_types) <= self.file_letters:
            raise ValueError(f"rule {spec.code}: file types {spec.file_types!r} not among {sorted(self.file_letters)}")
        if not spec.message or len(spec.message) > MESSAGE_MAX:
            raise ValueError(f"rule {spec.code}: message must be 1..{MESSAGE_MAX} characters")
        if self._check is not None:
            self._check(spec)
        self._rules[spec.code] = spec
        self._sorted = None
        return spec

    def replace(self, spec: S) -> S:
        """Put ``spec`` in place of the rule of its code; returns the one it replaced (tests)."""
        previous = self._rules[spec.code]
        self._rules[spec.code] = spec
        self._sorted = None
        return previous

    def unregister(self, code: str) -> None:
        self._rules.pop(code, None)
        self._sorted = None

    def __contains__(self, code: str) -> bool:
        return code in self._rules

    def get(self, code: str) -> S:
        return self._rules[code]

    def all(self) -> list[S]:
        """Every implemented rule, sorted by code."""
        if self._sorted is None:
            self._sorted = sorted(self._rules.values(), key=lambda s: s.code)
        return self._sorted


@dataclass(frozen=True)
class RuleSetting:
    """What the catalogue says of one rule."""

    enabled: bool = True
    message: Optional[str] = None
    valid_from: Optional[date] = None
    valid_to: Optional[date] = None
    refusal: Optional[str] = None  # МЭК: the F014 reason
    share: Optional[Decimal] = None  # МЭК: the share of SUMV withheld (None: computed by the rule)


@dataclass(frozen=True)
class RuleBook:
    """The catalogue of one stage as a load sees it.

    ``settings`` empty (the catalogue is not seeded yet): every implemented rule runs with its own
    defaults.  Otherwise a rule runs when its catalogue row is switched on and the date is within
    the row's dates; a rule missing from the catalogue (added to the code, ``oms sync-rules`` not
    run since) does not run.
    """

    settings: Mapping[str, RuleSetting] = field(default_factory=dict)
    #: rules the catalogue itself defines (the official rows the ФЛК interprets), beside the code's
    extra: tuple = ()

    @classmethod
    def only(cls, codes: Iterable[str]) -> "RuleBook":
        """A book that runs just these rules, with the code's defaults (tests, tools)."""
        return cls({code: _CODE_DEFAULTS for code in codes})

    def in_force(self, spec: RuleSpec, on: Optional[date]) -> bool:
        if not self.settings:
            return spec.valid_on(on)
        s = self.settings.get(spec.code)
        if s is None:
            return False
        if s is _CODE_DEFAULTS:
            return spec.valid_on(on)
        return s.enabled and within(on, s.valid_from, s.valid_to)

    def active(self, specs: Iterable[S], scope: str, file_kind: str, on: Optional[date]) -> tuple[S, ...]:
        """The rules of ``scope`` in force for ``file_kind`` on ``on``, in code order."""
        return tuple(s for s in specs if s.scope == scope and s.applies_to(file_kind) and self.in_force(s, on))

    def setting(self, spec: RuleSpec) -> Optional[RuleSetting]:
        s = self.settings.get(spec.code)
        return None if s is _CODE_DEFAULTS else s

    def message(self, spec: RuleSpec) -> str:
        s = self.setting(spec)
        return (s.message if s is not None and s.message else None) or spec.message


_CODE_DEFAULTS = RuleSetting()
