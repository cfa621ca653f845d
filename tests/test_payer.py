"""Who paid: name normalisation, IBANs, fuzzy names, cut names, aliases."""
import pandas as pd
import pytest

from ar_xl.engine.payer import PayerIndex, normalise_iban, normalise_name


@pytest.mark.parametrize("raw, expected", [
    ("Bäckerei Müller GmbH & Co. KG", "backerei muller"),
    ("BAECKEREI MUELLER GMBH & CO KG", "baeckerei mueller"),
    ("Transport Jansen B.V.", "transport jansen"),
    ("TRANSPORT JANSEN BV", "transport jansen"),
    ("NV Brouwerij De Koninck", "brouwerij de koninck"),
    ("Brouwerij De Koninck N.V.", "brouwerij de koninck"),
    ("Dupont et Fils S.A.R.L.", "dupont and fils"),  # et, en, und, &, + all read "and"
    ("Jansen en Zonen B.V.", "jansen and zonen"),
    ("Fa. Transport Jansen", "transport jansen"),
    ("Société Générale SA", "societe generale"),
    ("Menuiserie Petit SAS", "menuiserie petit"),
    ("Smith & Jones Ltd.", "smith and jones"),
    ("Northern Haulage Limited", "northern haulage"),
    ("Acme Plc", "acme"),
    ("Baker Partners LLP", "baker partners"),
    ("Peeters BVBA", "peeters"),
    ("Lambert SPRL", "lambert"),
    ("Lambert SRL", "lambert"),
    ("Rossi S.R.L.", "rossi"),
    ("Bakker e.K.", "bakker"),
    ("Weber AG", "weber"),
    ("Acme UG (haftungsbeschränkt)", "acme"),
])
def test_legal_forms_accents_and_case(raw, expected):
    assert normalise_name(raw) == expected


@pytest.mark.parametrize("payer", ["BAECKEREI MUELLER GMBH + CO. KG", "Backerei Muller", "Bäckerei Müller"])
def test_umlauts_as_banks_write_them_find_the_customer(payer):
    # German banks write ä as ae when their character set has none; others drop the dots
    ix = PayerIndex(pd.DataFrame({"customer_id": ["B", "X"],
                                  "customer_name": ["Bäckerei Müller GmbH & Co. KG", "Bäckerei Miller GmbH"]}))
    [best, *_] = ix.by_name(payer)
    assert (best.customer_id, best.score) == ("B", 100.0)
    assert best.name == "Bäckerei Müller GmbH & Co. KG"  # the name as the customer's row writes it


def test_et_en_und_and_the_ampersand_are_one_word():
    ix = PayerIndex(pd.DataFrame({"customer_id": ["C", "J"],
                                  "customer_name": ["Boulangerie Dupont et Fils SARL", "Jansen & Zonen B.V."]}))
    assert [(m.customer_id, m.score) for m in ix.by_name("Boulangerie Dupont & Fils")][:1] == [("C", 100.0)]
    assert [(m.customer_id, m.score) for m in ix.by_name("JANSEN EN ZONEN")][:1] == [("J", 100.0)]


def test_a_legal_form_alone_is_kept():
    assert normalise_name("BV") == "bv"


@pytest.fixture()
def customers():
    return pd.DataFrame({
        "customer_id": ["C1", "C2", "C3", "C4"],
        "customer_name": ["Maschinenbau Schneider Süd GmbH & Co. KG", "Transport Jansen B.V.",
                          "Jansen Transport B.V.", "Boulangerie Dupont et Fils SARL"],
        "iban": ["DE89 3704 0044 0532 0130 00", "NL91ABNA0417164300; NL02RABO0123456789", "", ""],
        "aliases": ["", "", "", "BOULANGERIE DUPONT"],
    })


def test_iban_lookup_ignores_spaces_and_case_and_reads_lists(customers):
    ix = PayerIndex(customers)
    assert ix.by_account("de89370400440532013000") == {"C1"}
    assert ix.by_account("NL02 RABO 0123 4567 89") == {"C2"}
    assert ix.by_account("NL91ABNA0417164300") == {"C2"}
    assert ix.by_account("BE71096123456769") == set()
    assert normalise_iban(" nl02 rabo 0123 4567 89 ") == "NL02RABO0123456789"


def test_learned_ibans_and_shared_accounts(customers):
    ix = PayerIndex(customers, known_ibans={"BE71096123456769": "C3", "NL91ABNA0417164300": ["C4"]})
    assert ix.by_account("BE71 0961 2345 6769") == {"C3"}
    assert ix.by_account("NL91ABNA0417164300") == {"C2", "C4"}  # one account, two customers


def test_bank_name_cut_at_35_characters(customers):
    ix = PayerIndex(customers)
    cut = "MASCHINENBAU SCHNEIDER SUD GMBH & C"
    assert len(cut) == 35
    best = ix.by_name(cut)[0]
    assert best.customer_id == "C1" and best.score >= 95


@pytest.mark.parametrize("cut", ["BOULANGERIE DUPONT ET", "BOULANGERIE DUPONT &", "Boulangerie Dupont et"])
def test_a_name_ending_in_and_was_cut_after_that_word(cut):
    # "et Fils" cut off after "et": Dupont, not Durand, whose name is closer to "boulangerie dupont" alone
    ix = PayerIndex(pd.DataFrame({"customer_id": ["C", "D"],
                                  "customer_name": ["Boulangerie Dupont et Fils SARL", "Boulangerie Durand SARL"]}))
    best, *rest = ix.by_name(cut)
    assert (best.customer_id, best.how, best.score) == ("C", "cut", 99.0)
    assert [m.customer_id for m in rest] == ["D"] and rest[0].score < 93


def test_a_cut_name_ending_in_and_fits_every_name_it_begins():
    ix = PayerIndex(pd.DataFrame({"customer_id": ["C", "E"],
                                  "customer_name": ["Dupont et Fils SARL", "Dupont et Cie SA"]}))
    assert sorted((m.customer_id, m.score) for m in ix.by_name("DUPONT ET")) == [("C", 99.0), ("E", 99.0)]


def test_the_first_words_of_a_name_rank_it_above_a_name_that_looks_alike():
    ix = PayerIndex(pd.DataFrame({"customer_id": ["C", "D"],
                                  "customer_name": ["Boulangerie Dupont et Fils SARL", "Boulangerie Durand SARL"]}))
    best, other = ix.by_name("BOULANGERIE DUPONT")
    assert (best.customer_id, best.how, best.score) == ("C", "short", 90.0)
    assert other.customer_id == "D" and other.score < best.score
    assert ix.by_name("BOULANGERIE") == []  # one word begins too many names to say anything


def test_a_name_in_full_is_not_read_as_the_first_words_of_a_longer_one():
    got = [(m.customer_id, m.how) for m in PayerIndex(pd.DataFrame({
        "customer_id": ["A", "Z"], "customer_name": ["Transport Jansen B.V.", "Transport Jansen Zuid B.V."]}))
        .by_name("TRANSPORT JANSEN")]
    assert got == [("A", "name"), ("Z", "fuzzy")]  # Zuid only as close as its name looks


def test_upper_case_without_legal_form_matches_exactly(customers):
    best = PayerIndex(customers).by_name("TRANSPORT JANSEN")[0]
    assert (best.customer_id, best.score) == ("C2", 100.0)


def test_reordered_words_score_below_the_exact_order(customers):
    got = {m.customer_id: m.score for m in PayerIndex(customers).by_name("Transport Jansen")}
    assert got["C2"] == 100.0
    assert got["C3"] < got["C2"]


def test_aliases_from_the_table_and_learned(customers):
    ix = PayerIndex(customers, aliases={"C3": "JT LOGISTICS;J.T. Log"})
    assert ix.by_name("BOULANGERIE DUPONT")[0].customer_id == "C4"
    best = ix.by_name("JT LOGISTICS")[0]
    assert (best.customer_id, best.how) == ("C3", "alias")


def test_unrelated_names_find_nothing(customers):
    ix = PayerIndex(customers)
    assert ix.by_name("ONLINE BANKING TRANSFER") == []
    assert ix.by_name("") == []
