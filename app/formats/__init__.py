"""The federal XML exchange format (pure Python, no web framework imports).

* :mod:`.names`       — file names ``<Type><Pi><Ni><Pp><Np>_<YY><MM><N>``, pairs;
* :mod:`.archive`     — safe inspection and extraction of the uploaded ZIP with the pair;
* :mod:`.definitions` — format definitions as data per (file kind, VERSION), registry;
* :mod:`.reader`      — streaming, hardened reader of H-type and L files into records;
* :mod:`.structure`   — structural ФЛК (F012 codes 901–905) of records and headers;
* :mod:`.writer`      — streaming writer of H-type and L files;
* :mod:`.flk_p`       — the ФЛК protocol FLK_P (XML) and its XLSX twin;
* :mod:`.codes`       — error codes and every message text of this package;
* :mod:`.record`      — the :class:`~.record.Node` tree of one record.
"""
