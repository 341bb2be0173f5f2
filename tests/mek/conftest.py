"""Fixtures of the МЭК tests: the intake fixtures (tests/intake/helpers.py) and case builders."""

from tests.intake.helpers import intake, rule_catalogue  # noqa: F401
