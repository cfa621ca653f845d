"""A zip package in memory: its parts in their order, each inflated only when read, and the output's
parts as the original's with some replaced, added or dropped (``_Overlay``); a part nobody changed is
copied into the output as its compressed bytes (``_copy_raw``), never inflated and deflated again.
Relationship targets resolve against the part that holds them, as OPC says."""
from __future__ import annotations

import io
import posixpath
import struct
import zipfile
from collections.abc import Mapping, MutableMapping
from pathlib import Path

from lxml import etree

from . import deflate, layout_record

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_TABLE = R_NS + "/table"
REL_PIVOT_CACHE = R_NS + "/pivotCacheDefinition"
REL_PIVOT_TABLE = R_NS + "/pivotTable"
REL_CALC_CHAIN = R_NS + "/calcChain"
REL_OFFICE_DOC = R_NS + "/officeDocument"
M = "{%s}" % MAIN
R_ID = "{%s}id" % R_NS

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=False)


class Unsupported(Exception):
    """The original package is laid out in a way ``keep_others`` does not handle."""


def _xml(data: bytes):
    return etree.fromstring(data, _PARSER)


def _bytes(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def rels_name(part: str) -> str:
    d, b = posixpath.split(part)
    return posixpath.join(d, "_rels", b + ".rels")


def _resolve(part: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(part), target))



class _Parts(Mapping):
    """Part name -> bytes, each part inflated when first read (a big sheet nobody changed never is)."""

    def __init__(self, z: zipfile.ZipFile, names: list[str], data: bytes):
        self._z, self._names, self._set, self._cache, self._data = z, names, set(names), {}, data

    def __getitem__(self, name: str) -> bytes:
        got = self._cache.get(name)
        if got is None:
            if name not in self._set:
                raise KeyError(name)
            got = self._cache[name] = deflate.read(self._z, self._data, name)
        return got

    def __contains__(self, name) -> bool:
        return name in self._set

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


class _Overlay(MutableMapping):
    """The output's parts: the original's, with some replaced, added or dropped."""

    def __init__(self, base: _Parts):
        self._base, self._new, self._gone = base, {}, set()

    def __getitem__(self, name: str) -> bytes:
        if name in self._new:
            return self._new[name]
        if name in self._gone or name not in self._base:
            raise KeyError(name)
        return self._base[name]

    def __setitem__(self, name: str, data: bytes) -> None:
        self._gone.discard(name)
        if name in self._base and self._base._cache.get(name) is data:
            self._new.pop(name, None)  # the original's own bytes: still kept
            return
        self._new[name] = data

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self._new.pop(name, None)
        self._gone.add(name)

    def __contains__(self, name) -> bool:
        return name in self._new or (name in self._base and name not in self._gone)

    def __iter__(self):
        yield from (n for n in self._base if n not in self._gone and n not in self._new)
        yield from self._new

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def kept(self, name: str) -> bool:
        """The original's part, unchanged."""
        return name not in self._new and name not in self._gone and name in self._base

class Package:
    """The parts of a zip package, in their order, with relationship and content-type helpers."""

    def __init__(self, data: bytes | str | Path, known: dict | None = None):
        """``known``: part name -> (CRC-32, length, bytes) of parts inflated already (by the load); each is
        taken as the part's bytes while the package's entry has that CRC and length."""
        if not isinstance(data, (bytes, bytearray)):
            data = Path(data).read_bytes()
        self.src = data
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.names = [i.filename for i in self.zip.infolist() if not i.is_dir()]
        self.parts = _Parts(self.zip, self.names, data)
        for name, (crc, size, part) in (known or {}).items():
            info = self.zip.NameToInfo.get(name)
            if info is not None and info.CRC == crc and info.file_size == size == len(part):
                self.parts._cache[name] = part
        self.workbook = self._workbook_part()

    def __contains__(self, name):
        return name in self.parts

    def _workbook_part(self) -> str:
        for rel in self.rels(""):
            if rel.get("Type") == REL_OFFICE_DOC:
                return _resolve("", rel.get("Target"))
        raise Unsupported("no workbook part")

    def rels(self, part: str) -> list:
        name = "_rels/.rels" if part == "" else rels_name(part)
        if name not in self.parts:
            return []
        return list(_xml(self.parts[name]))

    def targets(self, part: str) -> list[tuple[str, str, str]]:
        """(Id, Type, part name) of each internal relationship of ``part``."""
        out = []
        for rel in self.rels(part):
            if rel.get("TargetMode") == "External":
                continue
            out.append((rel.get("Id"), rel.get("Type"), _resolve(part, rel.get("Target"))))
        return out

    def sheets(self) -> list[tuple[str, str, object]]:
        """(name, part name, <sheet> element) for each sheet, in the workbook's order."""
        wb = _xml(self.parts[self.workbook])
        by_id = {rid: p for rid, _, p in self.targets(self.workbook)}
        sheets = wb.find(M + "sheets")
        return [(s.get("name"), by_id.get(s.get(R_ID), ""), s) for s in (sheets if sheets is not None else [])]

    def content_types(self):
        return _xml(self.parts["[Content_Types].xml"])

    def shared_strings(self) -> list[str]:
        for _, typ, p in self.targets(self.workbook):
            if typ.endswith("/sharedStrings") and p in self.parts:
                out = []
                for si in _xml(self.parts[p]).iter(M + "si"):
                    out.append("".join(t.text or "" for t in si.iter(M + "t")
                                       if t.getparent().tag != M + "rPh"))
                return out
        return []



def _copy_raw(src: zipfile.ZipFile, name: str, out: zipfile.ZipFile) -> bool:
    """Copy a part's compressed bytes as they are (no inflating and deflating again), with ar-xl's record
    of its cells (``layout_record``, still true of the same bytes); False when the entry is not a plain
    stored or deflated one."""
    info = src.getinfo(name)
    if info.flag_bits & 0x01 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return False
    src.fp.seek(info.header_offset)
    head = src.fp.read(30)
    if head[:4] != b"PK\x03\x04":
        return False
    n, m = struct.unpack("<HH", head[26:30])
    src.fp.seek(info.header_offset + 30 + n + m)
    raw = src.fp.read(info.compress_size)
    z = zipfile.ZipInfo(info.filename, info.date_time)
    z.compress_type, z.CRC = info.compress_type, info.CRC
    z.compress_size, z.file_size = info.compress_size, info.file_size
    z.flag_bits = info.flag_bits & ~0x08  # sizes are in the header: no data descriptor follows
    z.external_attr, z.create_system = info.external_attr, info.create_system
    z.extra = layout_record.field(info.extra)  # ar-xl's record of the part's cells, if any (no other field)
    deflate.append(out, z, raw)
    return True
