"""Write a VBA project (``vbaProject.bin``) from module source text.

Excel keeps an add-in's macros in ``xl/vbaProject.bin``: a compound file
(MS-CFB) holding the project as described by MS-OVBA.  This module writes a
*source-only* project: every module stream holds its compressed source and no
compiled p-code, and the ``_VBA_PROJECT`` stream says version ``0xFFFF``, which
tells Excel (any version, 32 or 64 bit, Windows or Mac) to ignore the missing
performance cache and compile the project from source when it opens it.

What is written (MS-OVBA section numbers in brackets):

* ``PROJECT`` [2.3.1]: the text project description (id, modules, name,
  protection and visibility state, encrypted as [2.4.3.2]);
* ``PROJECTwm`` [2.3.3]: module names in MBCS and UTF-16;
* ``VBA/_VBA_PROJECT`` [2.3.4.1]: the 7-byte header with version 0xFFFF;
* ``VBA/dir`` [2.3.4.2]: project information, references and module
  records, compressed [2.4.1];
* ``VBA/<module>`` [2.3.4.3]: each module's source, compressed, at offset 0.

``compress`` implements the MS-OVBA compression; ``CompoundFile`` is a
minimal MS-CFB (version 3, 512-byte sectors) writer with a mini stream for
small streams and balanced red-black directory trees.
"""
from __future__ import annotations

import os
import struct
import uuid
from dataclasses import dataclass, field

# ---------------------------------------------------------------- MS-OVBA 2.4.1 compression

_CHUNK = 4096


def _copy_token_layout(difference: int) -> tuple[int, int]:
    """(bit count of the offset, maximum match length) at ``difference`` bytes into a chunk [2.4.1.3.19.1]."""
    bit_count = 4
    while (1 << bit_count) < difference:
        bit_count += 1
    return bit_count, (0xFFFF >> bit_count) + 3


def _compress_chunk(data: bytes) -> bytes:
    out = bytearray()
    pos = 0
    n = len(data)
    while pos < n:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= n:
                break
            best_len, best_off = 0, 0
            if pos > 0:
                bit_count, max_len = _copy_token_layout(pos)
                limit = min(max_len, n - pos)
                # longest match in the window [0, pos), nearest first on ties
                cand = pos - 1
                while limit >= 3 and cand >= 0:
                    length = 0
                    while length < limit and data[cand + length] == data[pos + length]:
                        length += 1
                    if length > best_len:
                        best_len, best_off = length, pos - cand
                        if length == limit:
                            break
                    cand -= 1
            if best_len >= 3:
                bit_count, _ = _copy_token_layout(pos)
                token = ((best_off - 1) << (16 - bit_count)) | (best_len - 3)
                out += struct.pack("<H", token)
                flags |= 1 << bit
                pos += best_len
            else:
                out.append(data[pos])
                pos += 1
        out[flag_at] = flags
    return bytes(out)


def compress(data: bytes) -> bytes:
    """MS-OVBA compressed container [2.4.1.3.6] of ``data``."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), _CHUNK):
        chunk = data[start:start + _CHUNK]
        body = _compress_chunk(chunk)
        if len(body) > _CHUNK:
            if len(chunk) < _CHUNK:  # a raw chunk must hold 4096 bytes; text never gets here
                raise ValueError("data does not compress")
            out += struct.pack("<H", (_CHUNK + 2 - 3) | (0b011 << 12)) + chunk
            continue
        out += struct.pack("<H", (len(body) + 2 - 3) | (0b011 << 12) | 0x8000) + body
    return bytes(out)


# ---------------------------------------------------------------- MS-OVBA 2.4.3 data encryption

def encrypt(data: bytes, project_id: str, seed: int | None = None) -> str:
    """Hex text of ``data`` encrypted as MS-OVBA 2.4.3.2 (the CMG, DPB and GC values of PROJECT).

    Without ``seed`` the seed and the ignored bytes are random; with one the result is the same every time."""
    randomised = seed is None
    seed = os.urandom(1)[0] if seed is None else seed & 0xFF
    version = 2
    proj_key = sum(project_id.encode("latin-1")) & 0xFF
    out = bytearray([seed, seed ^ version, seed ^ proj_key])
    unencrypted_1, encrypted_1, encrypted_2 = proj_key, seed ^ proj_key, seed ^ version
    # the "ignored" bytes may hold anything; a given seed gives the same text every time
    ignored = os.urandom((seed & 6) // 2) if randomised else bytes((seed & 6) // 2)
    plain = bytes(ignored) + struct.pack("<I", len(data)) + bytes(data)
    for b in plain:
        enc = b ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        out.append(enc)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, enc, b
    return out.hex().upper()


def decrypt(hex_text: str) -> bytes:
    """The data of an MS-OVBA 2.4.3.3 encrypted value (for checks)."""
    raw = bytes.fromhex(hex_text)
    seed, version_enc, proj_key_enc = raw[0], raw[1], raw[2]
    proj_key = seed ^ proj_key_enc
    unencrypted_1, encrypted_1, encrypted_2 = proj_key, proj_key_enc, version_enc
    plain = bytearray()
    for enc in raw[3:]:
        b = enc ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        plain.append(b)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, enc, b
    ignored = (seed & 6) // 2
    length = struct.unpack_from("<I", plain, ignored)[0]
    return bytes(plain[ignored + 4: ignored + 4 + length])


# ---------------------------------------------------------------- MS-CFB writer

_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_SECTOR, _MINI, _CUTOFF = 512, 64, 4096


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list["_Entry"] = field(default_factory=list)
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    color: int = 1
    start: int = _END
    sid: int = 0


def _cfb_key(name: str) -> tuple[int, str]:
    return len(name), name.upper()


class CompoundFile:
    """A minimal compound file writer: ``add("VBA/dir", data)`` then ``to_bytes()``."""

    def __init__(self) -> None:
        self.root = _Entry("Root Entry", 5)

    def add(self, path: str, data: bytes) -> None:
        parts = path.split("/")
        node = self.root
        for part in parts[:-1]:
            found = next((c for c in node.children if c.name == part and c.kind == 1), None)
            if found is None:
                found = _Entry(part, 1)
                node.children.append(found)
            node = found
        if len(parts[-1]) > 31:
            raise ValueError(f"compound file names have at most 31 characters: {parts[-1]!r}")
        node.children.append(_Entry(parts[-1], 2, bytes(data)))

    # -- directory

    def _entries(self) -> list[_Entry]:
        entries = [self.root]

        def walk(node: _Entry) -> None:
            for c in sorted(node.children, key=lambda e: _cfb_key(e.name)):
                c.sid = len(entries)
                entries.append(c)
            for c in node.children:
                if c.kind == 1:
                    walk(c)
        walk(self.root)
        for node in entries:
            if node.kind in (1, 5):
                node.child = self._tree(sorted(node.children, key=lambda e: _cfb_key(e.name)))
        self.root.color = 1
        return entries

    @staticmethod
    def _tree(items: list[_Entry]) -> int:
        """Link ``items`` (sorted) as a balanced tree; the deepest level is red, the rest black,
        which keeps every root-to-leaf path's black count equal (a valid red-black tree)."""
        if not items:
            return _NOSTREAM
        depth: dict[int, int] = {}

        def build(lo: int, hi: int, d: int) -> int:
            if lo >= hi:
                return _NOSTREAM
            mid = (lo + hi) // 2
            node = items[mid]
            depth[mid] = d
            node.left = build(lo, mid, d + 1)
            node.right = build(mid + 1, hi, d + 1)
            return node.sid
        root = build(0, len(items), 0)
        deepest = max(depth.values())
        for i, node in enumerate(items):
            node.color = 0 if (depth[i] == deepest and deepest > 0) else 1
        return root

    # -- sectors

    def to_bytes(self) -> bytes:
        entries = self._entries()
        streams = [e for e in entries if e.kind == 2]
        small = [e for e in streams if 0 < len(e.data) < _CUTOFF]
        big = [e for e in streams if len(e.data) >= _CUTOFF]

        # mini stream and mini FAT
        mini = bytearray()
        minifat: list[int] = []
        for e in small:
            n = -(-len(e.data) // _MINI)
            e.start = len(minifat)
            minifat += [len(minifat) + i + 1 for i in range(n - 1)] + [_END]
            mini += e.data + b"\0" * (n * _MINI - len(e.data))

        sectors: list[bytes] = []
        fat: list[int] = []

        def place(data: bytes) -> int:
            if not data:
                return _END
            n = -(-len(data) // _SECTOR)
            first = len(sectors)
            for i in range(n):
                sectors.append(data[i * _SECTOR:(i + 1) * _SECTOR].ljust(_SECTOR, b"\0"))
                fat.append(first + i + 1 if i < n - 1 else _END)
            return first

        for e in big:
            e.start = place(e.data)
        self.root.start = place(bytes(mini)) if mini else _END
        minifat_bytes = b"".join(struct.pack("<I", v) for v in minifat)
        if minifat_bytes:
            minifat_bytes += struct.pack("<I", _FREE) * ((-len(minifat)) % (_SECTOR // 4))
        first_minifat = place(minifat_bytes) if minifat_bytes else _END
        n_minifat = -(-len(minifat_bytes) // _SECTOR)

        for e in entries:
            if e.kind == 1:
                e.start = 0
        dir_bytes = b"".join(self._dir_entry(e, len(mini)) for e in entries)
        per_sector = _SECTOR // 128
        pad = (-len(entries)) % per_sector
        dir_bytes += self._empty_entry() * pad
        first_dir = place(dir_bytes)

        n_fat = 1
        while n_fat * (_SECTOR // 4) < len(sectors) + n_fat:
            n_fat += 1
        if n_fat > 109:
            raise ValueError("compound file too large for this writer")
        first_fat = len(sectors)
        fat += [_FATSECT] * n_fat
        fat += [_FREE] * (n_fat * (_SECTOR // 4) - len(fat))
        fat_bytes = b"".join(struct.pack("<I", v) for v in fat)
        for i in range(n_fat):
            sectors.append(fat_bytes[i * _SECTOR:(i + 1) * _SECTOR])

        difat = [first_fat + i for i in range(n_fat)] + [_FREE] * (109 - n_fat)
        header = bytearray()
        header += bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16
        header += struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\0" * 6
        header += struct.pack("<IIIIIIIII", 0, n_fat, first_dir, 0, _CUTOFF, first_minifat, n_minifat, _END, 0)
        header += b"".join(struct.pack("<I", v) for v in difat)
        assert len(header) == _SECTOR
        return bytes(header) + b"".join(sectors)

    @staticmethod
    def _empty_entry() -> bytes:
        return b"\0" * 64 + struct.pack("<HBBIII", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM) + b"\0" * 36 + \
            struct.pack("<IQ", 0, 0)

    @staticmethod
    def _dir_entry(e: _Entry, mini_size: int) -> bytes:
        name = e.name.encode("utf-16-le")
        size = mini_size if e.kind == 5 else (len(e.data) if e.kind == 2 else 0)
        start = e.start if (e.kind != 2 or size) else _END
        return (name + b"\0" * (64 - len(name))
                + struct.pack("<HBBIII", len(name) + 2, e.kind, e.color, e.left, e.right, e.child)
                + b"\0" * 16 + struct.pack("<I", 0) + b"\0" * 16
                + struct.pack("<IQ", start, size))


# ---------------------------------------------------------------- the VBA project

STDOLE = ("stdole", "*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\\Windows\\System32\\stdole2.tlb#OLE Automation")
OFFICE = ("Office", "*\\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#"
                    "C:\\Program Files\\Common Files\\Microsoft Shared\\OFFICE16\\MSO.DLL#Microsoft Office 16.0 Object Library")
"""The Office type library holds ``IRibbonControl``; Excel resolves it by GUID on any version."""



@dataclass(frozen=True)
class ProjectReference:
    """A reference to another VBA project, e.g. an add-in [2.3.4.2.2.6 REFERENCEPROJECT].

    ``absolute`` and ``relative`` are the project's paths (written as ``*\\C<path>``); the host
    resolves the reference to an open workbook of the same file name first, so the paths are hints."""
    name: str
    absolute: str
    relative: str
    major: int = 0
    minor: int = 0


WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"


@dataclass
class Module:
    name: str
    source: str
    """The module text as exported to a .bas file (``Attribute VB_Name`` first)."""
    document: bool = False

    @classmethod
    def document_module(cls, name: str, base: str) -> "Module":
        attrs = [f'Attribute VB_Name = "{name}"', f'Attribute VB_Base = "{base}"',
                 "Attribute VB_GlobalNameSpace = False", "Attribute VB_Creatable = False",
                 "Attribute VB_PredeclaredId = True", "Attribute VB_Exposed = True",
                 "Attribute VB_TemplateDerived = False", "Attribute VB_Customizable = True"]
        return cls(name, "\r\n".join(attrs) + "\r\n", document=True)


def _rec(rid: int, payload: bytes) -> bytes:
    return struct.pack("<HI", rid, len(payload)) + payload


def _mbcs(text: str, codepage: str) -> bytes:
    return text.encode(codepage)


def _normalise(source: str) -> str:
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return "\r\n".join(lines) + "\r\n"


def dir_stream(project: str, modules: list[Module], references=(STDOLE, OFFICE), codepage: int = 1252,
               lcid: int = 0x0409) -> bytes:
    """The decompressed ``dir`` stream [2.3.4.2]."""
    cp = f"cp{codepage}"
    out = bytearray()
    out += _rec(0x0001, struct.pack("<I", 1))              # PROJECTSYSKIND: 32-bit Windows (any host compiles)
    out += _rec(0x0002, struct.pack("<I", lcid))           # PROJECTLCID
    out += _rec(0x0014, struct.pack("<I", lcid))           # PROJECTLCIDINVOKE
    out += _rec(0x0003, struct.pack("<H", codepage))       # PROJECTCODEPAGE
    out += _rec(0x0004, _mbcs(project, cp))                # PROJECTNAME
    out += _rec(0x0005, b"") + _rec(0x0040, b"")            # PROJECTDOCSTRING (+ unicode)
    out += _rec(0x0006, b"") + _rec(0x003D, b"")            # PROJECTHELPFILEPATH (+ second path)
    out += _rec(0x0007, struct.pack("<I", 0))              # PROJECTHELPCONTEXT
    out += _rec(0x0008, struct.pack("<I", 0))              # PROJECTLIBFLAGS
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)           # PROJECTVERSION (Reserved=4, major, minor)
    out += _rec(0x000C, b"") + _rec(0x003C, b"")            # PROJECTCONSTANTS (+ unicode)
    for ref in references:
        if isinstance(ref, ProjectReference):
            out += _rec(0x0016, _mbcs(ref.name, cp)) + _rec(0x003E, ref.name.encode("utf-16-le"))  # REFERENCENAME
            absolute, relative = ("*\\C" + ref.absolute).encode(cp), ("*\\C" + ref.relative).encode(cp)
            out += _rec(0x000E, struct.pack("<I", len(absolute)) + absolute + struct.pack("<I", len(relative))
                        + relative + struct.pack("<IH", ref.major, ref.minor))  # REFERENCEPROJECT
            continue
        name, libid = ref
        out += _rec(0x0016, _mbcs(name, cp)) + _rec(0x003E, name.encode("utf-16-le"))  # REFERENCENAME
        lib = libid.encode(cp)
        out += _rec(0x000D, struct.pack("<I", len(lib)) + lib + struct.pack("<IH", 0, 0))  # REFERENCEREGISTERED
    out += _rec(0x000F, struct.pack("<H", len(modules)))   # PROJECTMODULES
    out += _rec(0x0013, struct.pack("<H", 0xFFFF))         # PROJECTCOOKIE
    for m in modules:
        out += _rec(0x0019, _mbcs(m.name, cp)) + _rec(0x0047, m.name.encode("utf-16-le"))   # MODULENAME
        out += _rec(0x001A, _mbcs(m.name, cp)) + _rec(0x0032, m.name.encode("utf-16-le"))   # MODULESTREAMNAME
        out += _rec(0x001C, b"") + _rec(0x0048, b"")        # MODULEDOCSTRING
        out += _rec(0x0031, struct.pack("<I", 0))          # MODULEOFFSET: source at 0, no p-code
        out += _rec(0x001E, struct.pack("<I", 0))          # MODULEHELPCONTEXT
        out += _rec(0x002C, struct.pack("<H", 0xFFFF))     # MODULECOOKIE
        out += _rec(0x0022 if m.document else 0x0021, b"")  # MODULETYPE: document/class or procedural
        out += _rec(0x002B, b"")                            # module terminator
    out += _rec(0x0010, b"")                                # dir terminator
    return bytes(out)


def project_stream(project: str, modules: list[Module], project_id: str, seed: int | None = None) -> bytes:
    """The ``PROJECT`` text stream [2.3.1]: unprotected, no password, visible."""
    protection = encrypt(struct.pack("<I", 0), project_id, seed)  # ProjectProtectionState: none
    password = encrypt(bytes([0]), project_id, seed)               # ProjectPassword: none
    visibility = encrypt(bytes([0xFF]), project_id, seed)          # ProjectVisibilityState: visible
    lines = [f'ID="{project_id}"']
    for m in modules:
        lines.append(f"Document={m.name}/&H00000000" if m.document else f"Module={m.name}")
    lines += [f'Name="{project}"', 'HelpContextID="0"', 'VersionCompatible32="393222000"',
              f'CMG="{protection}"', f'DPB="{password}"', f'GC="{visibility}"',
              "", "[Host Extender Info]", "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",
              "", "[Workspace]"]
    lines += [f"{m.name}=0, 0, 0, 0, C" for m in modules]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def project_wm(modules: list[Module]) -> bytes:
    out = bytearray()
    for m in modules:
        out += m.name.encode("cp1252") + b"\0" + m.name.encode("utf-16-le") + b"\0\0"
    return bytes(out + b"\0\0")


VBA_PROJECT_HEADER = bytes.fromhex("CC61FFFF000100")
"""_VBA_PROJECT [2.3.4.1]: Reserved1 0x61CC, Version 0xFFFF (recompile from source), Reserved2 0, Reserved3."""


def build_project(project: str, modules: list[Module], project_id: str | None = None,
                  seed: int | None = None, references=(STDOLE, OFFICE)) -> bytes:
    """The bytes of a source-only ``vbaProject.bin`` holding ``modules``.

    ``references`` are registered type libraries ``(name, libid)`` and ``ProjectReference``s.
    Given ``project_id`` and ``seed``, the same modules give the same bytes."""
    names = [m.name for m in modules]
    if len(set(n.lower() for n in names)) != len(names):
        raise ValueError(f"duplicate module names: {names}")
    project_id = project_id or "{" + str(uuid.uuid4()).upper() + "}"
    cfb = CompoundFile()
    cfb.add("PROJECT", project_stream(project, modules, project_id, seed))
    cfb.add("PROJECTwm", project_wm(modules))
    cfb.add("VBA/_VBA_PROJECT", VBA_PROJECT_HEADER)
    cfb.add("VBA/dir", compress(dir_stream(project, modules, references)))
    for m in modules:
        cfb.add(f"VBA/{m.name}", compress(_normalise(m.source).encode("cp1252")))
    return cfb.to_bytes()
