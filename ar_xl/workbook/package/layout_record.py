"""What ar-xl wrote into a table's sheet, kept beside the sheet's part in the zip, so the next action need not
scan the sheet's cells again to learn it.

Before an action writes a table over its sheet, ``xlsx_fast.can_write`` checks that the sheet holds
only that table, in plain styles (``cell_reader.layout_scan``: every cell tag of the sheet, about half a
second for an Aging of 40,000 rows).  When ar-xl wrote the sheet's cells itself (``xlsx_fast.table_xml``),
it knows that answer already, and keeps it with the part: a zip extra field (ID ``FIELD_ID``, "AX") on
the part's entry, holding the ``cell_reader.Layout`` of its cells and the CRC-32 and length of the part
it describes.

The record is believed only for the exact part it was written with: its CRC-32 and length must be the
entry's own (which ``deflate.read`` checks against the part's bytes), so it says nothing false about a
part changed in any way.  An application that writes the package anew (openpyxl, in the tests) leaves no
record, and one that kept the field while changing the part leaves a record whose CRC no longer matches:
either way the part is scanned as before.  Zip readers skip extra fields they do not know (APPNOTE 4.5),
as they skip Info-ZIP's timestamps.
"""
from __future__ import annotations

import json
import struct

from ..cell_reader import Layout

FIELD_ID = 0x5841
"""The extra field's header ID (bytes ``AX``); not one APPNOTE or Info-ZIP lists."""
_MAGIC = b"ar-xl layout 1\n"


def encode(record: tuple[int, int, Layout], crc: int, size: int) -> bytes:
    """The extra field for a part of ``size`` bytes with CRC-32 ``crc`` whose cells ``record`` describes:
    (top row, header row, ``layout_scan(cells, top, header)``)."""
    top, header, lay = record
    payload = _MAGIC + json.dumps({
        "crc": crc, "size": size, "top": top, "header": header,
        "bounds": [lay.first_row, lay.last_row, lay.first_col, lay.last_col],
        "styles": sorted(lay.styles), "kinds": sorted(lay.kinds), "boxes": [list(b) for b in lay.boxes],
    }, separators=(",", ":")).encode("ascii")
    if len(payload) > 0xFFFF:
        return b""
    return struct.pack("<HH", FIELD_ID, len(payload)) + payload


def field(extra: bytes) -> bytes:
    """Our field alone out of an entry's extra fields (b"" when it has none)."""
    pos = 0
    while pos + 4 <= len(extra):
        tag, n = struct.unpack("<HH", extra[pos:pos + 4])
        if tag == FIELD_ID:
            return extra[pos:pos + 4 + n]
        pos += 4 + n
    return b""


def decode(extra: bytes, crc: int, size: int) -> tuple[int, int, Layout] | None:
    """The record in an entry's extra fields when it describes this part (CRC-32 ``crc``, ``size``
    bytes), else None (none there, another part's, or not ours to read)."""
    mine = field(extra)
    if not mine.startswith(_MAGIC, 4):
        return None
    try:
        d = json.loads(mine[4 + len(_MAGIC):])
        if d["crc"] != crc or d["size"] != size:
            return None
        first_row, last_row, first_col, last_col = d["bounds"]
        lay = Layout(first_row, last_row, first_col, last_col, {int(s) for s in d["styles"]},
                     {str(k) for k in d["kinds"]}, tuple(tuple(int(v) for v in b) for b in d["boxes"]))
        if any(len(b) != 4 for b in lay.boxes):
            return None
        return int(d["top"]), int(d["header"]), lay
    except (ValueError, KeyError, TypeError):
        return None
