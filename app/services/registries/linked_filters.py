"""Linked filter dropdowns, one rule for every page that has them («Формирование», «Текущие
реестры»): the page groups its rows (a few dozen to a few thousand groups, already limited to the
user's scope by the query that made them), and each dropdown offers the values that the *other*
chosen filters leave — choosing a period narrows the types, payers, subdivisions, and so on.

A row is any object with an attribute per filter key; ``None`` is offered as ``none_value``
(e.g. «без подразделения»), and a key may take its label from another attribute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Sequence

NONE_VALUE = "0"  # the filter value of an empty column (e.g. the МО as a whole)


@dataclass(frozen=True)
class LinkedFilters:
    keys: tuple[str, ...]
    #: key -> attribute of the row holding the label shown for the value (default: the value)
    label_attrs: Mapping[str, str] = field(default_factory=dict)
    #: key -> label of an empty value
    none_labels: Mapping[str, str] = field(default_factory=dict)
    #: keys whose options go from the largest label down (periods: the latest first)
    descending: frozenset = frozenset()
    #: key -> sort key of an option (value, label); default: by label
    order: Mapping[str, Callable[[str, str], Any]] = field(default_factory=dict)

    def read(self, args: Mapping[str, Any]) -> dict[str, str]:
        """The filters of a request (missing keys as "")."""
        return {k: str(args.get(k) or "").strip() for k in self.keys}

    def value(self, row: Any, key: str) -> str:
        v = getattr(row, key)
        return NONE_VALUE if v is None else str(v)

    def label(self, row: Any, key: str) -> str:
        if getattr(row, key) is None and key in self.none_labels:
            return self.none_labels[key]
        attr = self.label_attrs.get(key)
        return str(getattr(row, attr) if attr else self.value(row, key))

    def _keep(self, row: Any, filters: Mapping[str, str], skip: Optional[str] = None) -> bool:
        for key in self.keys:
            wanted = filters.get(key)
            if key == skip or not wanted:
                continue
            if self.value(row, key) != str(wanted):
                return False
        return True

    def apply(self, rows: Sequence, filters: Mapping[str, str]) -> list:
        """The rows every chosen filter keeps."""
        return [r for r in rows if self._keep(r, filters)]

    def options(self, rows: Sequence, filters: Mapping[str, str]) -> dict[str, list[tuple[str, str]]]:
        """Per key, the (value, label) pairs of the rows the other filters keep (one pass: a row
        every filter keeps feeds every list; a row only one filter drops feeds that filter's list)."""
        active = [(i, str(filters[k])) for i, k in enumerate(self.keys) if filters.get(k)]
        found: list[dict[str, str]] = [{} for _ in self.keys]
        for r in rows:
            values = [self.value(r, k) for k in self.keys]
            missed = [i for i, wanted in active if values[i] != wanted]
            if len(missed) > 1:
                continue
            for i in missed or range(len(self.keys)):
                if values[i] not in found[i]:
                    found[i][values[i]] = self.label(r, self.keys[i])
        out = {}
        for key, values in zip(self.keys, found, strict=True):
            sort = self.order.get(key)
            items = list(values.items())
            if sort is not None:
                items.sort(key=lambda kv: sort(*kv))
            else:
                items.sort(key=lambda kv: kv[1], reverse=key in self.descending)
            out[key] = items
        return out
