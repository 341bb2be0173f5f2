"""``flask oms …`` commands of the КСГ tables and the tariffs by level of the МО and КПГ."""

from __future__ import annotations

from flask.cli import AppGroup


def register(group: AppGroup) -> None:
    """Add this module's commands to ``group``."""
