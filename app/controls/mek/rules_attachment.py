"""МЭК on the registers the fund keeps: the МО attachment of the insured, the МО licences."""

from __future__ import annotations
