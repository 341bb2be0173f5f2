"""The declarative base shared with Flask-AppBuilder's security tables, and common types."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import Numeric

__all__ = ["Model", "Money", "utcnow"]


def Money():  # noqa: N802 - reads like a column type
    """Money is NUMERIC(15,2) and Decimal in Python, never float."""
    return Numeric(15, 2, asdecimal=True)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
