"""Invoice references in remittance text, and structured creditor references.

Two jobs:

* ``find_refs(text)`` pulls every candidate reference out of free remittance
  text ("Factuur 2026-4512", "Rechnung Nr. 2026 004512", "Facture n° F26/04512",
  "inv 4512, 4513 & 4519", "4512-4515", "2026-4512/13/14", "+++123/4567/89002+++",
  "RF18 5390 0754 7034") and returns them normalised (upper case, only letters
  and digits).  Ranges are expanded (at most ``MAX_RANGE`` numbers).  Amounts
  (1.234,56, 1234.56) and dates (12.03.2026, 10/03/26) are no references.
* ``RefIndex`` is built once from the open invoices and answers "which invoices
  could this candidate mean?" by hash look-ups only:

  ========  ==============================================  ==========
  key       what it holds (for ``2026-004512``)              strength
  ========  ==============================================  ==========
  exact     letters+digits, upper case: ``2026004512``       ``exact``
  core      digits only, leading zeros dropped               ``norm``
  groups    each digit group without leading zeros:           ``norm``
            ``2026.4512`` (catches "2026-4512")
  tail      the last digit group without zeros: ``4512``     ``tail``
            (a bare number; weak, needs payer or amount)
  typo      one edit away (substitution, deletion,           ``typo``
            insertion or swap of two neighbours) from a
            digit core of 6+ digits, via a deletion index
            (the digits as written, zeros kept, when the
            core is shorter: ``INV-005584`` for INV-105584)
  ========  ==============================================  ==========

  Both the invoice id and the invoice's ``payment_reference`` are indexed.
  Structured references (RF, Belgian OGM) are looked up on their exact form
  only, and only when their check digits are valid.

Check digits
------------
* ISO 11649 ``RFkk…``: move ``RFkk`` to the end, letters A=10 … Z=35, the
  number mod 97 must be 1.
* Belgian structured communication ``+++ddd/dddd/dddcc+++``: ``cc`` is the first
  ten digits mod 97, or 97 when that is 0.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import OSA

MAX_RANGE = 30
"""A range such as 4512-4515 is expanded only when it spans at most this many numbers."""

MIN_TYPO_DIGITS = 6
"""Only digit cores at least this long are searched for a one-digit typo."""

STRENGTHS = ("structured", "exact", "norm", "tail", "typo")


# ---------------------------------------------------------------- check digits

_LETTER_DIGITS = str.maketrans({chr(65 + i): str(10 + i) for i in range(26)})


def _alnum_to_digits(s: str) -> str:
    """A=10 … Z=35, digits unchanged (upper-case input)."""
    return s.translate(_LETTER_DIGITS)


def _mod97(digits: str) -> int:
    r = 0
    for i in range(0, len(digits), 9):
        r = int(str(r) + digits[i:i + 9]) % 97
    return r


def rf_valid(ref: str) -> bool:
    """True for a well-formed ISO 11649 creditor reference with correct check digits."""
    s = normalise(ref)
    if not re.fullmatch(r"RF\d{2}[A-Z0-9]{1,21}", s):
        return False
    return _mod97(_alnum_to_digits(s[4:] + s[:4])) == 1


def rf_make(body: str) -> str:
    """The RF reference (``RFkk`` + body) for a body of 1..21 letters/digits."""
    b = normalise(body)
    if not 1 <= len(b) <= 21:
        raise ValueError(f"an RF reference body has 1 to 21 letters or digits, not {body!r}")
    check = 98 - _mod97(_alnum_to_digits(b + "RF00"))
    return f"RF{check:02d}{b}"


def ogm_check(first10: str) -> int:
    r = int(first10) % 97
    return 97 if r == 0 else r


def ogm_valid(ref: str) -> bool:
    """True for a Belgian structured communication (12 digits, any +++/*** dressing)."""
    d = re.sub(r"\D", "", str(ref))
    if len(d) != 12:
        return False
    return ogm_check(d[:10]) == int(d[10:])


def ogm_make(first10: int | str) -> str:
    """``+++ddd/dddd/ddddd+++`` for a 10-digit number."""
    f = f"{int(first10):010d}"
    if len(f) != 10:
        raise ValueError("an OGM has ten digits before its check digits")
    d = f + f"{ogm_check(f):02d}"
    return f"+++{d[:3]}/{d[3:7]}/{d[7:]}+++"


# ---------------------------------------------------------------- normal forms

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]+")
_DIGIT_GROUPS = re.compile(r"\d+")


def normalise(s: object) -> str:
    """Upper case, letters and digits only: ``inv-104512`` -> ``INV104512``."""
    return _NON_ALNUM.sub("", str(s)).upper()


def digit_core(s: str) -> str:
    """All digits, leading zeros dropped: ``F26/04512`` -> ``2604512``."""
    d = "".join(_DIGIT_GROUPS.findall(s)).lstrip("0")
    return d


def group_key(s: str) -> str:
    """Digit groups without leading zeros, joined by dots: ``2026-004512`` -> ``2026.4512``."""
    return ".".join(g.lstrip("0") or "0" for g in _DIGIT_GROUPS.findall(s))


def structured(s: str) -> str | None:
    """The normalised structured reference if ``s`` is a valid RF or OGM, else None."""
    n = normalise(s)
    if n.startswith("RF") and rf_valid(n):
        return n
    d = re.sub(r"\D", "", str(s))
    if len(d) == 12 and len(n) == 12 and ogm_valid(d):
        return d
    return None


_RF_FORM = re.compile(r"RF\d{2}[A-Z0-9]{1,21}")


def _structured_normal(n: str) -> str | None:
    """``structured`` of an ASCII text whose normal form is ``n`` (its digits are then the digits of ``n``)."""
    if n[:2] == "RF" and _RF_FORM.fullmatch(n) and _mod97(_alnum_to_digits(n[4:] + n[:4])) == 1:
        return n
    if len(n) == 12 and n.isdigit() and ogm_check(n[:10]) == int(n[10:]):
        return n
    return None


# ---------------------------------------------------------------- extraction

_OGM = re.compile(r"(?:\+{3}|\*{3})?\s*(\d{3})\s*/\s*(\d{4})\s*/\s*(\d{5})\s*(?:\+{3}|\*{3})?|(?:\+{3}|\*{3})\s*(\d{12})\s*(?:\+{3}|\*{3})")
_RF = re.compile(r"\bRF\s?(\d{2})((?:\s?[0-9A-Z]){1,21})", re.IGNORECASE)
_TOKEN = re.compile(r"[0-9A-Za-z]+(?:[-/._][0-9A-Za-z]+)*")
_RANGE_GAP = re.compile(r"\s*(?:-|–|—|\.\.|~|to|thru|till|until|bis|t/m|tot|tot en met|au|à|a)\s*", re.IGNORECASE)
_PLAIN_DIGITS = re.compile(r"\d+")
_TWELVE = re.compile(r"(?<!\d)\d{12}(?!\d)")
_AMOUNT = re.compile(r"(?<![\d.,/-])(?:\d{1,3}(?:[.,' ]\d{3})+|\d+)[.,]\d{2}(?!\d|[.,/-]\d)")
"""An amount: 1.234,56, 1,234.56, 1 234,56 or 1234.56 / 1234,56 (cents after the last separator), perhaps
followed by a comma or full stop ending the phrase; not a date (12.03.2026)."""
_DATE = re.compile(r"(?<![\d.,/-])(?:(?:0?[1-9]|[12]\d|3[01])([./-])(?:0?[1-9]|1[0-2])\1(?:20\d\d|\d\d)"
                   r"|20\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))(?!\d|[.,/-]\d)")
"""A date: 12.03.2026, 12-03-2026, 12/03/26, 2026-03-12 (the same separator twice, a day and a month that exist)."""


@dataclass(frozen=True)
class Candidate:
    value: str
    """Normalised text (letters and digits, upper case)."""
    kind: str
    """``structured`` (valid RF/OGM), ``token`` (a reference-like token),
    ``joined`` (two tokens split by a space, glued), ``range`` (from a range)."""
    raw: str = ""
    """The text as written (separators kept), for the digit-group key."""


_NO_DIGITS = str.maketrans("", "", "0123456789")


def _count_digits(s: str) -> int:
    return len(s) - len(s.translate(_NO_DIGITS))


def extract(text: object) -> list[Candidate]:
    """Every candidate reference in ``text``, in order, without duplicates."""
    if text is None:
        return []
    t = str(text)
    if not t.strip():
        return []
    out: list[Candidate] = []
    seen: set[str] = set()

    def add(v: str, kind: str, raw: str = "") -> None:
        if v and v not in seen:
            seen.add(v)
            out.append(Candidate(v, kind, raw))

    spans: list[tuple[int, int]] = []
    blank = lambda start, end: spans.append((start, end))  # noqa: E731

    # structured references first; their text is then blanked out
    for m in (_RF.finditer(t) if "rf" in t.lower() else ()):
        body = normalise(m.group(2))
        for k in range(len(body), 0, -1):
            cand = f"RF{m.group(1)}{body[:k]}"
            if rf_valid(cand):
                add(cand, "structured")
                # blank up to the last character of the valid body
                pos, seen_chars = m.start(2), 0
                while pos < len(t) and seen_chars < k:
                    seen_chars += t[pos].isalnum()
                    pos += 1
                blank(m.start(), pos)
                break
    ogm_possible = _count_digits(t) >= 12  # an OGM has 12 digits: most texts have fewer, and skip both searches
    for m in (_OGM.finditer(t) if ogm_possible else ()):
        d = "".join(g for g in m.groups() if g)
        if len(d) == 12 and ogm_valid(d):
            add(d, "structured")
            blank(m.start(), m.end())
    for m in (_TWELVE.finditer(t) if ogm_possible else ()):
        if ogm_valid(m.group(0)):
            add(m.group(0), "structured")
            blank(m.start(), m.end())
    # amounts such as 1.234,56 or 99.50 are not references, nor are dates such as 12.03.2026
    for m in _AMOUNT.finditer(t):
        blank(m.start(), m.end())
    for m in _DATE.finditer(t):
        blank(m.start(), m.end())
    if spans:
        chars = list(t)
        for a, b in spans:
            chars[a:b] = " " * (b - a)
        t = "".join(chars)
    tokens = list(_TOKEN.finditer(t))
    texts = [m.group(0) for m in tokens]
    digits = [len(x) - len(x.translate(_NO_DIGITS)) for x in texts]  # _count_digits of each token
    # ranges: "4512-4515", "2026-004512-004515", "4512 t/m 4519", "F26/04512 bis 04515"
    numbered = [m for m, d in zip(tokens, digits) if d >= 2]
    for m in numbered:
        if "-" not in m.group(0):
            continue
        parts = m.group(0).split("-")
        # "4512-4515", "2026-004512-004515", "2026-004512-2026-004515": try each dash as the range sign
        for k in range(1, len(parts)):
            lo_tok, hi_tok = "-".join(parts[:k]), "-".join(parts[k:])
            got = _expand_range(lo_tok, hi_tok) if any(ch.isdigit() for ch in hi_tok) else []
            for v in got:
                add(v, "range")
            if got:
                break
    for a, b in zip(numbered, numbered[1:]):
        if _RANGE_GAP.fullmatch(t[a.end():b.start()]):
            for v in _expand_range(a.group(0), b.group(0)):
                add(v, "range")
    last = len(tokens) - 1
    for i, m in enumerate(tokens):
        tok = texts[i]
        if digits[i] >= 3:
            add(_NON_ALNUM.sub("", tok).upper(), "token", tok)
            if "/" in tok or "." in tok:
                # each of a list written with slashes ("2026-006407/2026-006737", "2026-004512/13/14"), then the
                # numbers without the words glued on ("Fact.nr.2026-004512", "/INV/2026-004512")
                for part in slash_list(tok) + unglued(tok):
                    add(_NON_ALNUM.sub("", part).upper(), "token", part)
        # "2026 004512", "INV 104512", "F 26/04512": glue two neighbours split by one space
        if i < last and len(tok) <= 6 and digits[i] + digits[i + 1] >= 5:
            nxt = tokens[i + 1]
            if t[m.end():nxt.start()] in (" ", "  ") and _PLAIN_DIGITS.fullmatch(texts[i + 1]):
                add(_NON_ALNUM.sub("", tok + texts[i + 1]).upper(), "joined")
    return out


_SHAPE = str.maketrans("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "9" * 10 + "A" * 52)
SLASH_SUFFIX_DIGITS = 5
"""A list abbreviated after its first number ("2026-004512/13/14") is read only when that number's last
digit group has at least this many digits, or three and it has more than one group ("2026-4512/13"): a date
such as "2026/12/01", a fiscal year "2025/26" or months "2026-03/04" are no list."""


def slash_list(tok: str) -> list[str]:
    """The references of a list written with slashes, or [] when ``tok`` is not one.

    A token whose parts between slashes all have the shape of the first (digits and letters in the same places,
    separators aside; the first with at least three digits: "2026-006407/2026-006737/2026006808", "4512/4513")
    is a list of those parts.  Parts of digits only after a first part whose last digit group has at least
    ``SLASH_SUFFIX_DIGITS`` digits (three when it has more groups), none longer than that group, abbreviate it
    when the numbers they make rise: each replaces the group's last digits ("2026-004512/13/14" is 2026-004512,
    2026-004513 and 2026-004514).  Anything else ("F26/04512", "2026/004512", "01/12/2026", "004512/2026") is
    one reference, as written."""
    parts = tok.split("/")
    first = parts[0]
    if len(parts) < 2 or not all(parts) or _count_digits(first) < 3:
        return []
    shape = _NON_ALNUM.sub("", first).translate(_SHAPE)
    if all(_NON_ALNUM.sub("", p).translate(_SHAPE) == shape for p in parts[1:]):
        return parts
    groups = list(_DIGIT_GROUPS.finditer(first))
    last = groups[-1] if groups else None
    if last is None or last.end() != len(first):
        return []
    if len(last.group()) < (3 if len(groups) > 1 else SLASH_SUFFIX_DIGITS):
        return []
    width = len(last.group())
    if not all(p.isdigit() and len(p) <= width for p in parts[1:]):
        return []
    out = [first] + [first[:last.end() - len(p)] + p for p in parts[1:]]
    numbers = [int(_DIGIT_GROUPS.findall(x)[-1]) for x in out]
    if any(b <= a for a, b in zip(numbers, numbers[1:])):  # "004512/2026" is an invoice and its year
        return []
    return out


_WORD_GLUE = re.compile(r"([./])")


def unglued(tok: str) -> list[str]:
    """The numbers in a token that glues words to them with dots or slashes, each as written: "Fact.nr.2026-004512"
    gives 2026-004512, "RFB/2026-004512/INV/2026-004513" gives 2026-004512 and 2026-004513.  The token is cut at
    its dots and slashes; a piece of letters only is a word, and each run of pieces between words that holds at
    least three digits is a number.  A token without such a word ("F26/04512", "2026.004512") gives nothing."""
    pieces = _WORD_GLUE.split(tok)  # piece, separator, piece, …
    words = [p.isalpha() for p in pieces[::2]]
    if not any(words) or all(words):
        return []
    out, run = [], ""
    for i, piece in enumerate(pieces[::2]):
        if words[i]:
            if _count_digits(run) >= 3:
                out.append(run)
            run = ""
        else:
            run = run + pieces[2 * i - 1] + piece if run else piece
    if _count_digits(run) >= 3:
        out.append(run)
    return out


def _expand_range(lo_tok: str, hi_tok: str) -> list[str]:
    lo_groups = list(_DIGIT_GROUPS.finditer(lo_tok))
    hi_groups = list(_DIGIT_GROUPS.finditer(hi_tok))
    if not lo_groups or not hi_groups:
        return []
    lo_m, hi_m = lo_groups[-1], hi_groups[-1]
    lo, hi = lo_m.group(0), hi_m.group(0)
    prefix = lo_tok[:lo_m.start()]
    hi_prefix = hi_tok[:hi_m.start()]
    if hi_prefix and normalise(hi_prefix) != normalise(prefix):
        return []
    if len(hi) > len(lo):
        return []
    if len(hi) < len(lo):
        if len(lo) - len(hi) > len(lo) - 1:
            return []
        hi = lo[: len(lo) - len(hi)] + hi
    a, b = int(lo), int(hi)
    if not (0 < b - a <= MAX_RANGE) or len(lo) < 3:
        return []
    return [normalise(prefix + str(n).zfill(len(lo))) for n in range(a, b + 1)]


def find_refs(text: object) -> list[str]:
    """Normalised candidate references found in ``text`` (see the module docstring)."""
    return [c.value for c in extract(text)]


# ---------------------------------------------------------------- the index

@dataclass(frozen=True)
class Hit:
    row: int
    """Position of the invoice in the frame the index was built from."""
    strength: str
    """``structured``, ``exact``, ``norm``, ``tail`` or ``typo``."""
    via: str
    """The text in the remittance that led here (normalised)."""


class RefIndex:
    """Hash look-ups from a normalised candidate to invoice rows; see the module docstring."""

    def __init__(self, invoice_ids, payment_refs=None):
        self.ids = list(invoice_ids)
        """The invoice ids, by row (their letters tell a credit note CN25-04073 from an invoice F25/04073)."""
        self.exact: dict[str, list[int]] = defaultdict(list)
        self.norm: dict[str, list[int]] = defaultdict(list)
        self.tail: dict[str, list[int]] = defaultdict(list)
        self.struct: dict[str, list[int]] = defaultdict(list)
        self._typo_keys: dict[str, list[int]] = {}
        """Digit cores of 6..17 digits -> rows: the all-digit keys of ``norm`` (a group key has dots), taken
        with the deletion index on first use."""
        self._deletes: tuple | None = None
        self._typo_seen: dict[str, list[int]] = {}
        """Digit core -> the rows ``typo`` found for it."""
        exact, norm, tail, struct = self.exact, self.norm, self.tail, self.struct
        findall = _DIGIT_GROUPS.findall
        sub = _NON_ALNUM.sub

        def add(row: int, raw: str) -> None:
            n = sub("", raw).upper()
            if not n:
                return
            if len(n) == 12 or n[:2] == "RF":
                st = _structured_normal(n) if raw.isascii() else structured(raw)
                if st:
                    struct[st].append(row)
                    return
            exact[n].append(row)
            groups = findall(raw)
            if not groups:
                return
            if len(groups) == 1:  # its core is its only group and its own tail
                core = groups[0].lstrip("0")
                if len(core) >= 3:
                    norm[core].append(row)
                return
            stripped = [g.lstrip("0") for g in groups]
            core = "".join(groups).lstrip("0")
            if len(core) >= 3:
                norm[core].append(row)
            norm[".".join([g or "0" for g in stripped])].append(row)
            last = stripped[-1]
            if len(last) >= 3 and last != core:
                tail[last].append(row)

        # row by row, the invoice id before its payment reference: the order of the rows under a key
        if payment_refs is None:
            for row, iid in enumerate(invoice_ids):
                if iid:
                    add(row, str(iid))
            return
        for row, (iid, pref) in enumerate(zip(invoice_ids, payment_refs)):
            if iid:
                add(row, str(iid))
            if pref:
                add(row, str(pref))

    # The deletion index: every digit core of 6..17 digits and each of its one-digit
    # deletions, encoded as int64 (value * 32 + length, so leading zeros count), sorted.
    # A query and its own deletions are searched in it; every candidate is then checked
    # to be exactly one edit (substitution, insertion, deletion or neighbour swap) away.
    # Built with numpy on first use (a run without typos never pays for it).
    def _build_deletes(self) -> tuple:
        self._typo_keys = {k: rows for k, rows in self.norm.items()
                           if MIN_TYPO_DIGITS <= len(k) <= 17 and k.isdigit()}
        keys = list(self._typo_keys)
        codes, owners = [], []
        by_len: dict[int, list[int]] = defaultdict(list)
        for i, k in enumerate(keys):
            by_len[len(k)].append(i)
        for L, idx in by_len.items():
            idx_a = np.asarray(idx, dtype=np.int64)
            v = np.array([int(keys[i]) for i in idx], dtype=np.int64)
            codes.append(v * 32 + L)
            owners.append(idx_a)
            for pos in range(L):
                p = 10 ** (L - 1 - pos)
                d = (v // (p * 10)) * p + v % p
                codes.append(d * 32 + (L - 1))
                owners.append(idx_a)
        if codes:
            c = np.concatenate(codes)
            o = np.concatenate(owners)
            order = np.argsort(c, kind="stable")
            self._deletes = (c[order], o[order], keys)
        else:
            self._deletes = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), keys)
        return self._deletes

    def typo(self, core: str) -> list[int]:
        """Invoice rows whose digit core is exactly one edit (or one neighbour swap) from ``core``."""
        if not MIN_TYPO_DIGITS <= len(core) <= 17 or not core.isdigit():
            return []
        got = self._typo_seen.get(core)
        if got is not None:  # dates and order numbers come back in many remittances
            return list(got)
        codes, owners, keys = self._deletes if self._deletes is not None else self._build_deletes()
        variants = {core} | {core[:i] + core[i + 1:] for i in range(len(core))}
        q = np.array([int(x) * 32 + len(x) for x in variants], dtype=np.int64)
        lo = np.searchsorted(codes, q, side="left")
        hi = np.searchsorted(codes, q, side="right")
        found: set[str] = set()
        for a, b in zip(lo.tolist(), hi.tolist()):
            for j in range(a, b):
                found.add(keys[int(owners[j])])
        rows: list[int] = []
        for k in found:
            if k != core and OSA.distance(k, core, score_cutoff=1) <= 1:
                rows.extend(self._typo_keys[k])
        self._typo_seen[core] = rows
        return list(rows)

    def lookup(self, cand: Candidate | str) -> list[Hit]:
        """Invoice rows a candidate may mean, strongest key first (one strength per candidate)."""
        if isinstance(cand, str):
            cand = Candidate(normalise(cand), "token", cand)
        v = cand.value
        if cand.kind == "structured":
            return [Hit(r, "structured", v) for r in self.struct.get(v, ())]
        rows = self.exact.get(v)
        if rows:
            return [Hit(r, "exact", v) for r in rows]
        if v in self.struct:  # an RF / OGM with a broken check digit or dressing
            return [Hit(r, "norm", v) for r in self.struct[v]]
        core = digit_core(v)
        if len(core) < 3:
            return []
        bare = v.isdigit()
        rows = self.norm.get(core)
        if rows and (not bare or len(core) >= 5 or cand.kind == "joined"):
            return [Hit(r, "norm", v) for r in self._same_letters(v, rows)]
        gk = group_key(cand.raw or v)
        if "." in gk and gk in self.norm:
            return [Hit(r, "norm", v) for r in self._same_letters(v, self.norm[gk])]
        if bare or cand.kind == "range":
            rows = self.tail.get(core) or (self.norm.get(core) if bare else None)
            if rows:
                return [Hit(r, "tail", v) for r in rows]
        if len(core) < MIN_TYPO_DIGITS:
            # the digits as written, zeros kept: a typo may have made the first digit a zero that the core drops
            # ("INV-005584" for INV-105584)
            core = "".join(_DIGIT_GROUPS.findall(v))
        if len(core) >= MIN_TYPO_DIGITS:
            rows = self.typo(core)
            if rows:
                return [Hit(r, "typo", v) for r in rows]
        return []

    def _same_letters(self, v: str, rows: list[int]) -> list[int]:
        """Of the rows a candidate with letters reads the same digits of, those whose invoice id has the same
        letters ("F25/4073" is F25/04073, not the credit note CN25-04073), when there are any; else all."""
        letters = v.translate(_NO_DIGITS)
        if not letters or len(rows) < 2:
            return rows
        same = [r for r in rows if normalise(self.ids[r]).translate(_NO_DIGITS) == letters]
        return same or rows

    def find(self, text: object, creditor_reference: object = "") -> list[Hit]:
        """All hits for a payment's remittance text and structured creditor reference."""
        hits: list[Hit] = []
        cands = extract(text)
        if creditor_reference is not None and str(creditor_reference).strip():
            s = structured(str(creditor_reference))
            cands.insert(0, Candidate(s, "structured") if s else
                        Candidate(normalise(creditor_reference), "token", str(creditor_reference)))
        best: dict[int, int] = {}  # row -> position in hits; the strongest reading of a row wins
        rank = {s: i for i, s in enumerate(STRENGTHS)}
        for c in cands:
            for h in self.lookup(c):
                at = best.get(h.row)
                if at is None:
                    best[h.row] = len(hits)
                    hits.append(h)
                elif rank[h.strength] < rank[hits[at].strength]:
                    hits[at] = h
        return hits
