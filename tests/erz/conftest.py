"""Fixtures of the ЕРЗ tests: the intake fixtures of tests/intake/helpers.py."""

from tests.intake.helpers import intake, rule_catalogue  # noqa: F401
