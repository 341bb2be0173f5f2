"""Fixtures of the scale-out tests: the intake fixtures of tests/intake/helpers.py."""

from tests.intake.helpers import intake  # noqa: F401
