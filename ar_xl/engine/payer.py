"""Who paid: the payer's IBAN and name against the customers.

* IBANs are compared in their electronic form (upper case, no spaces).  A
  customer may have several (``customers.iban`` separated by ``;``) and the
  engine also takes IBANs learned from earlier confirmed matches.  One IBAN may
  belong to several customers (group companies paying from one account).
* Names are normalised before comparing: accents and case dropped, dots in
  abbreviations closed up (``B.V.`` -> ``bv``), punctuation removed, ``&``,
  ``+``, ``et``, ``en`` and ``und`` all read ``and``, and legal forms (B.V.,
  N.V., GmbH & Co. KG, S.A., SARL, Ltd, …) removed where they stand at the end
  (or at the start, as in Belgian "NV Brouwerij …", and "Fa." / "Firma").  A
  customer name with umlauts is also indexed as banks transliterate it
  (``Müller`` as ``Mueller``).
* A payer often writes only the first words of its name (``BOULANGERIE
  DUPONT`` for ``Boulangerie Dupont et Fils``): two or more words that begin
  a customer's name score ``SHORT_NAME_SCORE`` when no customer has that name
  in full: above a name that merely looks alike, too low to identify the payer
  on its own.
* Banks cut names (often at 35 characters).  A payer name that looks cut is
  also compared with each candidate's name cut at the same length; one ending
  in ``et``, ``en``, ``und`` or ``&`` was cut after that word, whatever its
  length (``BOULANGERIE DUPONT ET``), and is compared with as many of each
  candidate's words.
* Fuzzy look-ups never scan every customer: candidates come from a token index
  (rarest tokens of the payer's name) and a prefix index, and only those are
  scored with ``rapidfuzz.process.extract`` above a score cutoff.  When the
  token index finds nothing (every word misspelt) one ``extractOne`` over all
  names is the fallback.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

NAME_CUTOFF = 80.0
"""Lowest name score (0..100) that counts as a candidate."""

REORDER_PENALTY = 4.0
"""Points taken off when a name matches only with its words reordered."""

SHORT_NAME_SCORE = 90.0
"""Score of a payer name that is the first two or more words of a customer's name, the rest left out
(``BOULANGERIE DUPONT`` for ``Boulangerie Dupont et Fils SARL``), when no customer has that name in full:
ranked above a name that merely looks alike (``Boulangerie Durand``, 83), but not close enough to identify
the payer on its own."""

TRUNCATION_LENGTHS = (35, 70, 140)
"""Lengths at which banks cut names; a raw payer name this long may be cut."""

LEGAL_FORMS = {
    # NL / BE
    "bv", "nv", "vof", "cv", "cvba", "cvoa", "bvba", "comm v", "commv", "vzw", "asbl", "ebvba", "scrl", "sc", "scs",
    "holding bv", "bv io", "i o",
    # DE / AT / CH
    "gmbh", "ag", "kg", "ohg", "ug", "ek", "ev", "kgaa", "se", "mbh", "gbr", "gmbh co kg", "gmbh und co kg",
    "gmbh co kgaa", "ag co kg", "ug haftungsbeschrankt", "haftungsbeschrankt",
    # FR / BE-FR / LU
    "sa", "sas", "sasu", "sarl", "eurl", "sci", "snc", "sca", "sprl", "srl", "sprlu", "selarl",
    # IT / ES
    "spa", "sl", "sll", "sau",
    # UK / IE / US
    "ltd", "limited", "plc", "llp", "lp", "inc", "corp", "corporation", "llc", "co", "company", "and co",
}
"""Legal forms in normalised spelling (lower case, no dots)."""

_LEADING_FORMS = {"nv", "bv", "sa", "bvba", "sprl", "srl", "vof", "sas", "sarl", "commv", "comm v", "ets",
                  "etablissements", "fa", "firma"}
_MAX_FORM_WORDS = max(len(f.split()) for f in LEGAL_FORMS)


_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def transliterated(name: str) -> str:
    """``name`` with its umlauts as German banks write them when their character set has none (SEPA's Latin
    subset): ``Bäckerei Müller`` -> ``Baeckerei Mueller``.  ``fold`` drops the dots (``Backerei Muller``), as
    other banks do; a customer name is indexed both ways."""
    return name.translate(_TRANSLITERATION) if not name.isascii() else name


_AND_WORDS = {"et": "and", "en": "and", "und": "and"}
"""``fold`` writes ``&`` and ``+`` as ``and``; the word for it in French, Dutch and German is the same."""


def fold(text: object) -> str:
    """Lower case, accents removed, ß -> ss, & -> and; nothing else changed."""
    s = "" if text is None else str(text)
    s = s.replace("&", " and ").replace("+", " and ")
    if not s.isascii():
        s = s.replace("ß", "ss").replace("ẞ", "ss")
        s = unicodedata.normalize("NFKD", s)
        s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return s.lower()


_ABBREV = re.compile(r"\b(?:[a-z]\.){2,}(?:[a-z]\b\.?)?")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def _words(text: object) -> list[str]:
    s = fold(text)
    s = _ABBREV.sub(lambda m: m.group(0).replace(".", ""), s)  # b.v. -> bv, s.a.r.l. -> sarl
    s = s.replace(".", "")  # "Co." -> "co", "Nr." -> "nr"
    return [_AND_WORDS.get(w, w) for w in _NON_WORD.split(s) if w]


def _strip_forms(words: list[str]) -> list[str]:
    words = list(words)
    changed = True
    while changed and len(words) > 1:
        changed = False
        for k in range(min(_MAX_FORM_WORDS, len(words) - 1), 0, -1):
            tail = " ".join(words[-k:])
            if tail in LEGAL_FORMS or tail.replace(" and ", " ") in LEGAL_FORMS:
                words = words[:-k]
                changed = True
                break
        if words and words[-1] == "and" and len(words) > 1:
            words = words[:-1]
            changed = True
    while len(words) > 1:
        head2 = " ".join(words[:2])
        if head2 in _LEADING_FORMS and len(words) > 2:
            words = words[2:]
        elif words[0] in _LEADING_FORMS:
            words = words[1:]
        else:
            break
    return words


def normalise_name(name: object) -> str:
    """Comparable form of a company name: ``Bäckerei Müller GmbH & Co. KG`` -> ``backerei muller``."""
    return " ".join(_strip_forms(_words(name)))


def plain(name: object) -> str:
    """Folded words with legal forms kept (for comparing cut names): ``SA Dupont & Fils`` -> ``sa dupont and fils``."""
    return " ".join(_words(name))


def normalise_iban(iban: object) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", "" if iban is None else str(iban)).upper()


def split_list(value: object) -> list[str]:
    """Items of a ';'-separated cell (empty items dropped)."""
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        out = []
        for v in value:
            out.extend(split_list(v))
        return out
    if isinstance(value, float) and value != value:
        return []
    return [p.strip() for p in str(value).split(";") if p.strip()]


@dataclass(frozen=True)
class PayerMatch:
    customer_id: str
    score: float
    """0..100"""
    how: str
    """``iban``, ``name`` (exact after normalising), ``fuzzy``, ``cut`` (cut name), ``short`` (the first words of
    the name) or ``alias``."""
    name: str = ""
    """The customer name (or alias) that matched."""


class PayerIndex:
    """IBAN -> customers, and normalised names / aliases -> customers."""

    def __init__(self, customers=None, known_ibans: dict | None = None, aliases: dict | None = None,
                 names: dict | None = None):
        """``customers``: a frame with customer_id, customer_name, iban, aliases (any may be missing).
        ``known_ibans``: ``{iban: customer_id or [customer_id, …]}`` learned from confirmed matches.
        ``aliases``: ``{customer_id: "name;name" or [names]}`` learned payer names.
        ``names``: ``{customer_id: name}`` used when there is no customers frame (from the invoices)."""
        self.by_iban: dict[str, set[str]] = defaultdict(set)
        self.display: dict[str, str] = {}
        entries: list[tuple[str, str, str]] = []  # (customer_id, raw name, how)
        if customers is not None and len(customers):
            ids = customers["customer_id"].astype(str).tolist()
            nm = customers["customer_name"].astype(str).tolist() if "customer_name" in customers else [""] * len(ids)
            ib = customers["iban"].tolist() if "iban" in customers else [""] * len(ids)
            al = customers["aliases"].tolist() if "aliases" in customers else [""] * len(ids)
            for cid, n, i, a in zip(ids, nm, ib, al):
                self.display.setdefault(cid, n)
                if n:
                    entries.append((cid, n, "name"))
                for x in split_list(i):
                    self.by_iban[normalise_iban(x)].add(cid)
                for x in split_list(a):
                    entries.append((cid, x, "alias"))
        for cid, n in (names or {}).items():
            cid = str(cid)
            if cid not in self.display and n:
                self.display[cid] = str(n)
                entries.append((cid, str(n), "name"))
        for iban, cids in (known_ibans or {}).items():
            for c in ([cids] if isinstance(cids, str) else cids):
                self.by_iban[normalise_iban(iban)].add(str(c))
        for cid, names_ in (aliases or {}).items():
            for x in split_list(names_):
                entries.append((str(cid), x, "alias"))
        # de-duplicate on (customer, normalised name)
        self.choices: list[str] = []
        self.owner: list[str] = []
        self.how: list[str] = []
        self.raw: list[str] = []
        self.shown: list[str] = []
        """The name as the customer's row writes it (``raw`` may be its transliteration, ``transliterated``)."""
        self.plain: list[str] = []
        seen = set()
        for cid, given, how in entries:
            for raw in dict.fromkeys((given, transliterated(given))):  # Müller, and Mueller as banks spell it
                words = _words(raw)  # once for both forms: normalise_name and plain
                n = " ".join(_strip_forms(words))
                if not n or (cid, n) in seen:
                    continue
                seen.add((cid, n))
                self.choices.append(n)
                self.owner.append(cid)
                self.how.append(how)
                self.raw.append(raw)
                self.shown.append(given)
                self.plain.append(" ".join(words))
        self.exact: dict[str, list[int]] = defaultdict(list)
        self.tokens: dict[str, list[int]] = defaultdict(list)
        self.prefix: dict[str, list[int]] = defaultdict(list)
        for j, n in enumerate(self.choices):
            self.exact[n].append(j)
            for w in set(n.split()):
                if len(w) >= 3:
                    self.tokens[w].append(j)
            p = self.plain[j].replace(" ", "")[:8]
            if len(p) >= 5:
                self.prefix[p].append(j)
        self._cache: dict[tuple[str, str], list[PayerMatch]] = {}

    # ------------------------------------------------------------ look-ups
    def by_account(self, iban: object) -> set[str]:
        k = normalise_iban(iban)
        return set(self.by_iban.get(k, ())) if k else set()

    def by_name(self, name: object, limit: int = 5, cutoff: float = NAME_CUTOFF) -> list[PayerMatch]:
        """Customers whose name or alias resembles ``name``, best first (one entry per customer)."""
        raw = "" if name is None else str(name).strip()
        if not raw:
            return []
        key = (raw, str(limit))
        got = self._cache.get(key)
        if got is not None:
            return got
        folded = _words(raw)  # once for both forms: normalise_name and plain
        q = " ".join(_strip_forms(folded))
        if not q:
            self._cache[key] = []
            return []
        best: dict[str, PayerMatch] = {}

        def offer(j: int, score: float, how: str) -> None:
            cid = self.owner[j]
            if score >= cutoff and (cid not in best or score > best[cid].score):
                best[cid] = PayerMatch(cid, float(score), how, self.shown[j])

        for j in self.exact.get(q, ()):
            offer(j, 100.0, "alias" if self.how[j] == "alias" else "name")
        cand: set[int] = set()
        words = [w for w in set(q.split()) if len(w) >= 3]
        postings = sorted((self.tokens[w] for w in words if w in self.tokens), key=len)
        for plist in postings[:2]:
            if len(plist) <= 2000:
                cand.update(plist)
        qp = " ".join(folded)
        # a name ending in "et", "en", "und" or "&" was cut there, whatever its length ("BOULANGERIE DUPONT ET")
        cut_at_and = len(folded) > 1 and folded[-1] == "and"
        maybe_cut = len(raw) >= min(TRUNCATION_LENGTHS) - 2 or cut_at_and
        p = qp.replace(" ", "")[:8]
        cut_cand = self.prefix.get(p, ()) if maybe_cut and len(p) >= 5 else ()
        cand.update(cut_cand)
        if cand:
            idx = sorted(cand)
            sub = [self.choices[j] for j in idx]
            if " " in q and not best:  # no name is the payer's in full: perhaps the first words of one
                head = q + " "
                for j, choice in zip(idx, sub):
                    if choice.startswith(head):
                        offer(j, SHORT_NAME_SCORE, "short")
            for choice, score, pos in process.extract(q, sub, scorer=fuzz.token_sort_ratio, score_cutoff=cutoff,
                                                      limit=limit * 3):
                j = idx[pos]
                # words in another order may be another company ("Transport Jansen" / "Jansen Transport")
                score = max(fuzz.ratio(q, choice), score - REORDER_PENALTY)
                offer(j, score, "alias" if self.how[j] == "alias" else "fuzzy")
            if maybe_cut:
                # compare with each candidate cut at the payer name's length
                for j in cut_cand:
                    if len(self.raw[j]) <= len(raw) - 1:
                        continue
                    if cut_at_and:  # cut after a word: the candidate's words as far as the payer's go
                        cut = " ".join(self.plain[j].split()[:len(folded)])
                    else:
                        cut = plain(self.raw[j][:len(raw)])
                    if cut:
                        s = fuzz.ratio(qp, cut)
                        if s >= max(cutoff, 90):
                            offer(j, min(s, 99.0), "cut")
        elif not best and self.choices:
            hit = process.extractOne(q, self.choices, scorer=fuzz.token_sort_ratio, score_cutoff=cutoff)
            if hit:
                offer(hit[2], hit[1], "fuzzy")
        out = sorted(best.values(), key=lambda m: (-m.score, m.customer_id))[:limit]
        self._cache[key] = out
        return out
