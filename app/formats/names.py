"""Federal file names: ``<Type><Pi><Ni><Pp><Np>_<YY><MM><N>``.

* ``Type`` — file type: ``H`` (медицинская помощь), ``C`` (ЗНО), ``T`` (ВМП),
  ``DP DV DO DS DU DF DA DB`` (диспансеризация и профосмотры), ``L`` (персональные данные);
* ``Pi``/``Pp`` — sender/receiver kind: ``M`` МО, ``S`` СМО, ``T`` ТФОМС, ``F`` ФФОМС;
* ``Ni``/``Np`` — their codes: МО 6 digits, СМО 5 digits, ТФОМС 2 digits (region),
  ФФОМС 1–6 digits (not fixed by the sources);
* ``YY MM`` — year and month of the reporting period, ``N`` — package number (1+ digits).

Names are case-sensitive (upper-case letters as in the standard); the extension
(``.xml``/``.zip``) is case-insensitive and optional for :func:`parse_file_name`.
At most 26 characters, only digits, Latin letters and ``_``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

CASE_TYPES = ("H", "C", "T", "DP", "DV", "DO", "DS", "DU", "DF", "DA", "DB")
PERSONAL_TYPE = "L"
FILE_TYPES = CASE_TYPES + (PERSONAL_TYPE,)

TYPE_TITLES = {
    "H": "сведения об оказанной медицинской помощи",
    "C": "сведения о случаях со злокачественными новообразованиями",
    "T": "сведения о высокотехнологичной медицинской помощи",
    "DP": "I этап диспансеризации взрослых",
    "DV": "II этап диспансеризации взрослых",
    "DO": "профилактические медицинские осмотры взрослых",
    "DS": "диспансеризация детей-сирот в стационарных учреждениях",
    "DU": "диспансеризация детей-сирот, переданных под опеку",
    "DF": "профилактические медицинские осмотры несовершеннолетних",
    "DA": "углубленная диспансеризация, I этап",
    "DB": "углубленная диспансеризация, II этап",
    "L": "персональные данные",
}

PARTY_KINDS = ("M", "S", "T", "F")
PARTY_TITLES = {"M": "МО", "S": "СМО", "T": "ТФОМС", "F": "ФФОМС"}
#: allowed numbers of digits of the party code per kind
CODE_LENGTHS = {"M": (6,), "S": (5,), "T": (2,), "F": (1, 2, 3, 4, 5, 6)}

MAX_LENGTH = 26
_EXTENSIONS = (".xml", ".zip")

_ALLOWED_CHARS = re.compile(r"^[0-9A-Za-z_]+$")
_PATTERN = re.compile(
    r"^(?P<type>D[PVOSUFAB]|[HCTL])"
    r"(?P<pi>[MSTF])(?P<ni>[0-9]+)"
    r"(?P<pp>[MSTF])(?P<np>[0-9]+)"
    r"_(?P<yy>[0-9]{2})(?P<mm>[0-9]{2})(?P<n>[0-9]+)$"
)

#: Q015 "kind" letter per file type: the D-series is ``X``.
_KIND = {"H": "H", "C": "C", "T": "T", "L": "L"}


class FileNameError(ValueError):
    """The name does not follow the federal pattern; ``str(err)`` is a Russian sentence."""


@dataclass(frozen=True, slots=True)
class FileName:
    type: str  # "H", "C", "T", "DP" … "DB", "L"
    sender_kind: str  # Pi: "M", "S", "T", "F"
    sender_code: str  # Ni
    receiver_kind: str  # Pp
    receiver_code: str  # Np
    year: int  # 4-digit, 2000 + YY
    month: int  # 1..12
    number: str  # N, ordinal of the package (digits, kept as written)

    @property
    def stem(self) -> str:
        """The name without extension, as in ZGLV/FILENAME."""
        return (
            f"{self.type}{self.sender_kind}{self.sender_code}"
            f"{self.receiver_kind}{self.receiver_code}"
            f"_{self.year % 100:02d}{self.month:02d}{self.number}"
        )

    @property
    def kind(self) -> str:
        """File kind in Q015 terms: ``H``, ``C``, ``T``, ``X`` (any D-type) or ``L``."""
        return _KIND.get(self.type, "X")

    @property
    def is_personal(self) -> bool:
        return self.type == PERSONAL_TYPE

    @property
    def pair_key(self) -> str:
        """The name without the type letters (equal for an H-type file and its L file)."""
        return self.stem[len(self.type) :]

    def with_type(self, file_type: str) -> "FileName":
        """The same name with another type (e.g. the L file of an H file)."""
        return parse_file_name(file_type + self.pair_key)

    def __str__(self) -> str:
        return self.stem


def strip_extension(name: str) -> str:
    """Drop a trailing ``.xml``/``.zip`` (any case)."""
    lowered = name.lower()
    for ext in _EXTENSIONS:
        if lowered.endswith(ext):
            return name[: -len(ext)]
    return name


def parse_file_name(stem: str) -> FileName:
    """Parse a federal file name (with or without ``.xml``/``.zip``).

    Raises :class:`FileNameError` with a Russian message naming the problem.
    """
    if not isinstance(stem, str) or not stem:
        raise FileNameError("Имя файла не указано")
    name = strip_extension(stem)
    if len(name) > MAX_LENGTH:
        raise FileNameError(f"Имя файла «{name}» длиннее {MAX_LENGTH} символов ({len(name)})")
    if not _ALLOWED_CHARS.match(name):
        raise FileNameError(
            f"Имя файла «{name}» содержит недопустимые символы: допустимы только цифры, латинские буквы и «_»"
        )
    m = _PATTERN.match(name)
    if m is None:
        raise FileNameError(_explain(name))
    pi, ni, pp, np_ = m["pi"], m["ni"], m["pp"], m["np"]
    _check_code(name, "отправителя", pi, ni)
    _check_code(name, "получателя", pp, np_)
    month = int(m["mm"])
    if not 1 <= month <= 12:
        raise FileNameError(f"Имя файла «{name}»: месяц «{m['mm']}» вне диапазона 01–12")
    return FileName(
        type=m["type"],
        sender_kind=pi,
        sender_code=ni,
        receiver_kind=pp,
        receiver_code=np_,
        year=2000 + int(m["yy"]),
        month=month,
        number=m["n"],
    )


def _check_code(name: str, role: str, kind: str, code: str) -> None:
    lengths = CODE_LENGTHS[kind]
    if len(code) not in lengths:
        expected = f"{lengths[0]} цифр(ы)" if len(lengths) == 1 else f"от {lengths[0]} до {lengths[-1]} цифр"
        raise FileNameError(
            f"Имя файла «{name}»: код {role} ({PARTY_TITLES[kind]}) «{code}» должен состоять из {expected}"
        )


def _explain(name: str) -> str:
    """A precise sentence for a name that does not match the pattern."""
    upper = name.upper()
    if name != upper and _PATTERN.match(upper):
        return f"Имя файла «{name}»: буквы типа файла и участников пишутся прописными латинскими буквами"
    head = re.match(r"^(D[A-Z]|[A-Z])", name)
    if head is None or (head.group(1) not in FILE_TYPES and name[:1] not in FILE_TYPES):
        return f"Имя файла «{name}»: неизвестный тип файла; допустимы " + ", ".join(FILE_TYPES)
    if "_" not in name:
        return (
            f"Имя файла «{name}» не соответствует шаблону "
            "<Тип><Pi><Ni><Pp><Np>_<ГГ><ММ><N>: нет символа «_» перед периодом"
        )
    tail = name.rsplit("_", 1)[1]
    if not re.fullmatch(r"[0-9]{5,}", tail):
        return (
            f"Имя файла «{name}»: после «_» должны быть год (ГГ), месяц (ММ) и номер пакета — только цифры, не менее 5"
        )
    return (
        f"Имя файла «{name}» не соответствует шаблону <Тип><Pi><Ni><Pp><Np>_<ГГ><ММ><N>: "
        "Pi и Pp — буквы M, S, T или F, за каждой — код участника из цифр"
    )


NameLike = Union[str, FileName]


def _as_file_name(name: NameLike) -> FileName:
    return name if isinstance(name, FileName) else parse_file_name(name)


def pair_key(name: NameLike) -> str:
    """The name without its type letters: ``HM123456S12345_24011`` → ``M123456S12345_24011``."""
    return _as_file_name(name).pair_key


def is_pair(h_name: NameLike, l_name: NameLike) -> bool:
    """True when ``h_name`` is a cases file (H, C, T, D*) and ``l_name`` its L file."""
    try:
        h, l_ = _as_file_name(h_name), _as_file_name(l_name)
    except FileNameError:
        return False
    return (not h.is_personal) and l_.is_personal and h.pair_key == l_.pair_key


def build_file_name(
    type: str, sender_kind: str, sender_code: str, receiver_kind: str, receiver_code: str, year: int, month: int, number
) -> str:
    """Build a federal name (without extension); ``year`` may be 4-digit or 2-digit.

    Raises :class:`FileNameError` if the parts do not form a valid name.
    """
    yy = int(year) % 100
    name = f"{type}{sender_kind}{sender_code}{receiver_kind}{receiver_code}_{yy:02d}{int(month):02d}{number}"
    parse_file_name(name)  # validates every part
    return name
