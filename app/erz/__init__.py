"""The register of the insured (ЕРЗ): the adapter interface, the built-in local register, what
the identification concludes for a case, the import of the register and the demo register.

Public API::

    adapter = get_adapter(app.config)             # ERZ_ADAPTER, default LocalErzAdapter
    matches = adapter.identify([ErzQuery(...), ...])   # one call per batch
    resolve(query, matches.get(query.key), region_okato="98", st_okato=...) -> Resolution
    import_file(path) -> ImportResult             # oms import-erz
    load_demo_erz(n)                              # oms init-demo
"""

from app.erz.adapter import FOUND_BY_LABELS, FOUND_BY_ORDER, ErzAdapter, ErzMatch, ErzPolicyInfo, ErzQuery, get_adapter
from app.erz.resolve import POLICY_LABELS, Resolution, resolve

__all__ = [
    "FOUND_BY_LABELS",
    "FOUND_BY_ORDER",
    "ErzAdapter",
    "ErzMatch",
    "ErzPolicyInfo",
    "ErzQuery",
    "get_adapter",
    "POLICY_LABELS",
    "Resolution",
    "resolve",
]
