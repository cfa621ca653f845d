"""Parts deflated by ISA-L are plain zip entries; parts read through it are checked as zipfile checks them."""
from __future__ import annotations

import io
import zipfile

import pytest

from ar_xl.workbook.package import deflate


def _sheet(rows: int) -> bytes:
    return b"<sheetData>" + b"".join(b'<row r="%d"><c r="A%d" t="n"><v>%d.25</v></c></row>' % (i, i, i)
                                     for i in range(1, rows + 1)) + b"</sheetData>"


def test_a_part_written_deflated_reads_back_with_zipfile_and_through_deflate_read():
    payload = _sheet(20_000)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        deflate.write(z, "xl/worksheets/sheet1.xml", payload)
        z.writestr("xl/workbook.xml", b"<workbook/>", compress_type=zipfile.ZIP_DEFLATED)
    data = buf.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None  # every CRC as written
        info = z.getinfo("xl/worksheets/sheet1.xml")
        assert info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size < len(payload) // 5
        assert z.read("xl/worksheets/sheet1.xml") == payload
        assert deflate.read(z, data, "xl/worksheets/sheet1.xml") == payload
        assert deflate.read(z, data, "xl/workbook.xml") == b"<workbook/>"  # zlib's own entry
        assert deflate.read(z, data, "[Content_Types].xml") == b"<Types/>"  # a stored entry


def test_a_damaged_part_is_refused_not_read():
    payload = _sheet(2_000)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        deflate.write(z, "xl/worksheets/sheet1.xml", payload)
    data = bytearray(buf.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode())
    data[start + info.compress_size // 2] ^= 0x55  # one byte changed in the middle of the stream
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        with pytest.raises(zipfile.BadZipFile):
            deflate.read(z, bytes(data), "xl/worksheets/sheet1.xml")


def test_a_part_inflated_already_is_taken_only_while_the_package_holds_those_bytes(tmp_path):
    """``Package(data, known)``: the load's copy of a part stands in for inflating it again, but only while
    the entry's CRC-32 and length are the copy's (a file changed since would give its own bytes)."""
    import zlib
    from ar_xl.workbook import xlsx
    from ar_xl.workbook.package import Package
    path = tmp_path / "book.xlsx"
    xlsx.create(path)
    data = path.read_bytes()
    name = next(n for n in zipfile.ZipFile(path).namelist() if n.startswith("xl/worksheets/sheet"))
    part = zipfile.ZipFile(path).read(name)
    copy = bytes(bytearray(part))
    same = Package(data, {name: (zlib.crc32(part), len(part), copy)})
    assert same.parts[name] is copy
    stale = part.replace(b"<sheetData", b"<sheetData ")  # what a load read before someone saved the file
    other = Package(data, {name: (zlib.crc32(stale), len(stale), stale)})
    assert other.parts[name] == part and other.parts[name] is not stale
