"""Reference extraction and look-up: check digits, every kind of noise, the index."""
import pytest

from ar_xl.engine import refs
from ar_xl.engine.refs import RefIndex, find_refs, ogm_make, ogm_valid, rf_make, rf_valid


# ---------------------------------------------------------------- check digits

def test_rf_iso_example_and_made_references_validate():
    # the ISO 11649 example: RF18 5390 0754 7034
    assert rf_valid("RF18 5390 0754 7034")
    assert rf_valid("rf18539007547034")
    assert rf_make("539007547034") == "RF18539007547034"
    # with letters: A=10 ... Z=35; computed by hand: "INV104512" + "RF00" -> 98 - n mod 97 = 02
    assert rf_make("INV104512") == "RF02INV104512"
    assert rf_valid("RF02INV104512")


@pytest.mark.parametrize("bad", [
    "RF19539007547034",   # wrong check digits
    "RF18539007547035",   # one digit of the body changed
    "RF18 5390 0754 7043",  # two digits swapped
    "RF1",                # too short
    "RX18539007547034",   # not RF
    "RF18" + "1" * 22,    # body longer than 21
])
def test_rf_invalid(bad):
    assert not rf_valid(bad)


def test_ogm_check_digits():
    # 1234567890 mod 97 = 2 -> 02
    assert ogm_make(1234567890) == "+++123/4567/89002+++"
    assert ogm_valid("+++123/4567/89002+++")
    assert ogm_valid("***123/4567/89002***")
    assert ogm_valid("123456789002")
    # a multiple of 97 has check digits 97, not 00
    assert 1197530766 % 97 == 0
    assert ogm_make(1197530766) == "+++119/7530/76697+++"
    assert not ogm_valid("+++119/7530/76600+++")


@pytest.mark.parametrize("bad", ["+++123/4567/89003+++", "+++123/4567/89020+++", "12345678900", "1234567890021"])
def test_ogm_invalid(bad):
    assert not ogm_valid(bad)


# ---------------------------------------------------------------- extraction

@pytest.mark.parametrize("text, expected", [
    ("Factuur 2026-004512", "2026004512"),
    ("Rechnung Nr. 2026-004512 vom 12.03.2026", "2026004512"),
    ("Facture n° F26/04512", "F2604512"),
    ("Inv INV-104512 thanks", "INV104512"),
    ("Rechnung Nr. 2026 004512", "2026004512"),   # separator became a space
    ("INV 104512", "INV104512"),
    ("fact 2026004512", "2026004512"),             # separator dropped
    ("betreft fact. 2026.004512", "2026004512"),   # another separator
])
def test_find_refs_words_and_separators(text, expected):
    assert expected in find_refs(text)


def test_amounts_and_dates_are_not_references():
    got = find_refs("Betrag EUR 1.234,56 und 99.50")
    assert got == []
    # without a thousands separator too: 1234,56 is no reference 1234
    assert find_refs("RE 2026-004512 Betrag 1234,56, bedrag 12345.67") == ["2026004512"]
    # dates in any of the usual forms: 10/03/26 is no pointer at INV-100326
    for text in ("RE 2026-005026 vom 10/03/26", "RE 2026-005026 vom 10.03.2026.", "RE 2026-005026 d.d. 2026-03-10",
                 "RE 2026-005026 du 10-03-2026"):
        assert find_refs(text) == ["2026005026"], text
    # not a date: a month 13, a day 32, two separators that differ, an id with a long number
    assert find_refs("13.13.2026") == ["13132026"] and find_refs("32/01/26") == ["320126"]
    assert find_refs("12.03-2026") == ["12032026"] and find_refs("2026-004512") == ["2026004512"]


def test_lists_in_four_languages():
    for text in ("inv 4512, 4513 & 4519", "facturen 4512, 4513 en 4519", "Rechnungen 4512, 4513 und 4519",
                 "factures 4512, 4513 et 4519"):
        got = find_refs(text)
        assert {"4512", "4513", "4519"} <= set(got), text


@pytest.mark.parametrize("text, first, last, n", [
    ("fact 4512-4515", "4512", "4515", 4),
    ("facturen 4512 t/m 4515", "4512", "4515", 4),
    ("Rechnungen 4512 bis 4515", "4512", "4515", 4),
    ("factures 4512 à 4515", "4512", "4515", 4),
    ("invoices 2026-004512 to 2026-004514", "2026004512", "2026004514", 3),
    ("2026-004512-004514", "2026004512", "2026004514", 3),
    ("Facturen 2026-016880-2026-016881", "2026016880", "2026016881", 2),
    ("INV-104512-15", "INV104512", "INV104515", 4),
])
def test_ranges_are_expanded(text, first, last, n):
    got = [c.value for c in refs.extract(text) if c.kind == "range"]
    assert got[0] == first and got[-1] == last and len(got) == n


@pytest.mark.parametrize("text, listed", [
    ("Factures 2026-006407/2026-006737/2026-006808", ["2026006407", "2026006737", "2026006808"]),
    ("RE 4512/4513/4514", ["4512", "4513", "4514"]),
    ("Rechnungen 2026-004512/13/14", ["2026004512", "2026004513", "2026004514"]),  # abbreviated after the first
    ("Rechnungen 2026-4512/13", ["20264512", "20264513"]),
    ("CN26-017/018", ["CN26017", "CN26018"]),
    ("Factures 2026-006407/006737", ["2026006407", "2026006737"]),
    ("Factures 2026-004264/2026005998/2026-006234", ["2026004264", "2026005998", "2026006234"]),  # a dash lost
])
def test_a_list_written_with_slashes_gives_each_reference(text, listed):
    got = [c.value for c in refs.extract(text) if c.kind == "token"]
    assert got[1:] == listed  # after the whole token, as written


@pytest.mark.parametrize("text, numbers", [
    ("Fact.nr.2026-004512", ["2026-004512"]),
    ("/RFB/2026-004512/INV/2026-004513", ["2026-004512", "2026-004513"]),  # MT940-style sub-fields left in the text
    ("/INV/F26/12813 DEBTOR X", ["F26/12813"]),
    ("RE.2026.004512", ["2026.004512"]),
    ("F26/04512", []),         # no word glued on: one reference as written
    ("2026.004512", []),
])
def test_words_glued_to_a_number_with_dots_or_slashes_come_off(text, numbers):
    tok = text.split()[0].strip("/")
    assert refs.unglued(tok) == numbers
    got = [c.value for c in refs.extract(text)]
    assert all(refs.normalise(n) in got for n in numbers)


def test_the_letters_written_tell_an_invoice_from_a_credit_note_of_the_same_number():
    ix = RefIndex(["F25/04073", "CN25-04073", "2025-004073"])
    found = lambda text: [(ix.ids[h.row], h.strength) for h in ix.find(text)]  # noqa: E731
    assert found("F25/4073") == [("F25/04073", "norm")]
    assert found("CN25/4073") == [("CN25-04073", "norm")]
    assert found("25-4073") == [("F25/04073", "norm"), ("CN25-04073", "norm")]  # no letters: both, as before
    assert found("X25/4073") == [("F25/04073", "norm"), ("CN25-04073", "norm")]  # letters of neither: both


def test_a_reference_behind_a_glued_word_is_found_exactly(index):
    assert ("2026-004512", "exact") in _found(index, "Fact.nr.2026-004512")
    assert ("2026-004512", "exact") in _found(index, "/INV/2026.004512 2026-02-08")


@pytest.mark.parametrize("text, one", [
    ("Facture F26/04512", "F2604512"),    # a prefix and a number
    ("Rechnung 2026/004512", "2026004512"),  # a year and a number
    ("FA 004512/2026", "0045122026"),      # a number and its year (not 004512 and 002026)
    ("12345/2026", "123452026"),
    ("2026/12/01", "20261201"),            # a date
    ("2025/26", "202526"),                # a fiscal year
    ("2026-03/04", "20260304"),            # months
    ("Rechnungen 4512/13", "451213"),      # too short to tell from a year and its successor
])
def test_slashes_inside_one_reference_are_no_list(text, one):
    assert [c.value for c in refs.extract(text)] == [one]


def test_a_date_or_a_huge_span_is_not_a_range():
    assert not [c for c in refs.extract("2026-03-12") if c.kind == "range"]
    assert not [c for c in refs.extract("4512-9999") if c.kind == "range"]


def test_structured_references_in_text_are_validated():
    assert find_refs("Mededeling +++123/4567/89002+++") == ["123456789002"]
    assert "123456789002" in find_refs("***123/4567/89002***")
    assert "RF18539007547034" in find_refs("Ref RF18 5390 0754 7034 thank you")
    # a broken check digit is not taken as a structured reference
    assert [c for c in refs.extract("+++123/4567/89003+++") if c.kind == "structured"] == []


# ---------------------------------------------------------------- the index

@pytest.fixture(scope="module")
def index():
    ids = ["2026-004512", "INV-104512", "F26/04512", "2026-004513", "2025-000777"]
    prefs = ["RF18539007547034", "", "+++123/4567/89002+++", "", ""]
    return ids, RefIndex(ids, prefs)


def _found(index, text, cref=""):
    ids, ix = index
    return [(ids[h.row], h.strength) for h in ix.find(text, cref)]


@pytest.mark.parametrize("text, invoice, strength", [
    ("Factuur 2026-004512", "2026-004512", "exact"),
    ("fact 2026004512", "2026-004512", "exact"),            # separators dropped: same letters and digits
    ("Rechnung 2026-4512", "2026-004512", "norm"),          # leading zeros dropped
    ("INV104512", "INV-104512", "exact"),
    ("invoice 104512", "INV-104512", "norm"),               # prefix missing
    ("Facture 26/04512", "F26/04512", "norm"),              # prefix missing
    ("F26/4512", "F26/04512", "norm"),                      # zeros dropped
    ("Rechnung 2026-004612", "2026-004512", "typo"),        # one digit wrong
    ("Rechnung 2026-005412", "2026-004512", "typo"),        # two neighbours swapped
    ("Rechnung 2026-00512", "2026-004512", "typo"),         # one digit lost
    ("Invoice INV-004512", "INV-104512", "typo"),           # the first digit written as a zero
    ("ref 2025-777", "2025-000777", "norm"),
])
def test_index_finds_noisy_references(index, text, invoice, strength):
    assert (invoice, strength) in _found(index, text)


def test_bare_number_matches_the_end_of_ids_weakly(index):
    got = _found(index, "inv 4512")
    assert ("2026-004512", "tail") in got and ("F26/04512", "tail") in got


def test_structured_reference_goes_to_the_payment_reference(index):
    assert _found(index, "", "RF18539007547034") == [("2026-004512", "structured")]
    assert _found(index, "", "123456789002") == [("F26/04512", "structured")]
    assert _found(index, "+++123/4567/89002+++") == [("F26/04512", "structured")]


def test_typo_lookup_uses_the_index_not_a_scan(index):
    ids, ix = index
    assert [ids[r] for r in ix.typo("2026004612")] == ["2026-004512"]
    assert ix.typo("2026004512") == [ix.exact["2026004513"][0]] or set(
        ids[r] for r in ix.typo("2026004512")) == {"2026-004513"}
    assert ix.typo("999999999") == []
