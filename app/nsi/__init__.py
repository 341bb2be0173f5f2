"""Reference books (НСИ): reading official FFOMS ``<packet>`` exports, the table of books
the system uses, an in-memory lookup and a small demo subset of region 14 (Yakutia).

Pure Python (lxml only); the database-backed lookup lives elsewhere and implements the same
:class:`~app.nsi.lookup.NsiLookup` protocol.
"""
from app.nsi.books import BOOKS, BookDef, NsiEntry, row_to_entry
from app.nsi.lookup import MemoryNsi, NsiLookup
from app.nsi.packet import PacketHeader, iter_packet, parse_nsi_date, read_packet
from app.nsi.demo import demo_nsi, load_demo_books

__all__ = [
    "BOOKS", "BookDef", "NsiEntry", "row_to_entry",
    "MemoryNsi", "NsiLookup",
    "PacketHeader", "iter_packet", "parse_nsi_date", "read_packet",
    "demo_nsi", "load_demo_books",
]
