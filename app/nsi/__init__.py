"""Reference books (НСИ): reading official FFOMS ``<packet>`` exports, the table of books
the system uses and an in-memory lookup (the demo subset of region 14 is :mod:`app.demo.nsi`).

Pure Python (lxml only); the database-backed lookup lives elsewhere and implements the same
:class:`~app.nsi.lookup.NsiLookup` protocol.
"""

from app.nsi.books import BOOKS, BookDef, NsiEntry, row_to_entry
from app.nsi.lookup import MemoryNsi, NsiLookup
from app.nsi.packet import PacketHeader, iter_packet, parse_nsi_date, read_packet

__all__ = [
    "BOOKS",
    "BookDef",
    "NsiEntry",
    "row_to_entry",
    "MemoryNsi",
    "NsiLookup",
    "PacketHeader",
    "iter_packet",
    "parse_nsi_date",
    "read_packet",
]
