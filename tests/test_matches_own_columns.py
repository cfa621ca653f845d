"""A column a person added to the Matches table keeps its values at every ``match`` (issue 10, part 5): on the
same row, and on the row that replaces a withdrawn one for the same payment and invoice."""
from __future__ import annotations

import openpyxl
from openpyxl.utils import get_column_letter

from helpers import header_names
from ar_xl import schema
from ar_xl.cli import main
from ar_xl.workbook import xlsx
from test_match_action import wb  # noqa: F401  (the fixture: P1, P2 auto; P3 two suggestions; P4 short pay)

OWN = "follow up"


def add_own_column(path, values: dict[str, str], rename: dict[str, tuple[str, int]] | None = None):
    """A person adds the column OWN to the Matches table and types ``values`` (match_id -> text) in it;
    ``rename`` gives rows another match_id and rank first (rows an older run made)."""
    w = openpyxl.load_workbook(path)
    ws = w["Matches"]
    tbl = ws.tables["Matches"]
    header = header_names(ws)
    col = len(schema.MATCHES.names) + 1
    letter = get_column_letter(col)
    ws.cell(1, col, OWN)
    mid_col = header.index("match_id") + 1
    ids = {ws.cell(r, mid_col).value: r for r in range(2, ws.max_row + 1)}
    for mid, (new_id, rank) in (rename or {}).items():
        ws.cell(ids[mid], mid_col, new_id)
        ws.cell(ids[mid], header.index("rank") + 1, rank)
        ids[new_id] = ids.pop(mid)
    for mid, text in values.items():
        ws.cell(ids[mid], col, text)
    tbl.ref = f"A1:{letter}{tbl.ref.split(':')[1][1:]}"
    tbl.autoFilter.ref = tbl.ref
    tbl.tableColumns = []
    tbl._initialise_columns()
    w.save(path)


def own_values(path) -> dict[str, str]:
    m = xlsx.load(path).get("Matches")
    return {mid: v for mid, v in zip(m["match_id"], m[OWN]) if isinstance(v, str) and v}


def test_values_on_unreviewed_and_auto_rows_survive_every_match(wb):  # noqa: F811
    assert main(["match", str(wb)]) == 0
    m = xlsx.load(wb).get("Matches")
    suggested = list(m.loc[m["decision"] == "suggested", "match_id"])
    auto = list(m.loc[m["decision"] == "auto", "match_id"])
    assert suggested and auto
    typed = {suggested[0]: "call Smith", suggested[-1]: "ask for remittance", auto[0]: "checked"}
    add_own_column(wb, typed)
    for _ in range(2):
        assert main(["match", str(wb)]) == 0
        assert own_values(wb) == typed


def test_a_row_withdrawn_and_made_again_for_the_same_payment_and_invoice_keeps_them(wb):  # noqa: F811
    assert main(["match", str(wb)]) == 0
    m = xlsx.load(wb).get("Matches")
    s = m[m["decision"] == "suggested"].iloc[0]
    old_id = f"M-{s['payment_id']}-{s['invoice_id']}-S9"  # as an older run numbered it
    add_own_column(wb, {old_id: "call Smith"}, rename={s["match_id"]: (old_id, 9)})
    assert main(["match", str(wb)]) == 0
    m = xlsx.load(wb).get("Matches")
    assert old_id not in set(m["match_id"])  # withdrawn...
    assert own_values(wb) == {s["match_id"]: "call Smith"}  # ...and its value is on the row made again


def test_a_withdrawn_row_whose_value_has_nowhere_to_go_is_kept(wb):  # noqa: F811
    assert main(["match", str(wb)]) == 0
    m = xlsx.load(wb).get("Matches")
    s = m[m["decision"] == "suggested"].iloc[0]
    gone = f"M-{s['payment_id']}-NOT-AN-INVOICE-S1"
    add_own_column(wb, {gone: "disputed by phone"}, rename={s["match_id"]: (gone, 1)})
    w = openpyxl.load_workbook(wb)
    ws = w["Matches"]
    inv_col = header_names(ws).index("invoice_id") + 1
    mid_col = header_names(ws).index("match_id") + 1
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, mid_col).value == gone:
            ws.cell(r, inv_col, "NOT-AN-INVOICE")
    w.save(wb)
    assert main(["match", str(wb)]) == 0
    assert own_values(wb) == {gone: "disputed by phone"}
