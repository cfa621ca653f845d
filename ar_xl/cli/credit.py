"""``ar-xl credit``: each customer's exposure and proposed credit status; a person's hold decision."""
from __future__ import annotations

from .common import AS_OF_HELP, WORKBOOK_HELP, act, date_arg


def cmd_credit(a) -> int:
    """Rewrite exposure, credit_status and credit_reason on Customers (``actions.credit.run``); with
    ``--confirm``/``--release CUSTOMER`` record a person's decision on the hold instead."""
    from ..actions import credit
    if a.confirm or a.release:
        if a.confirm and a.release:
            from ..errors import ArXlError
            raise ArXlError("credit: give --confirm or --release, not both")
        return act(a.workbook, credit.decide, a.confirm or a.release, "confirmed" if a.confirm else "released", a.user)
    return act(a.workbook, credit.run, a.as_of)


def add_verbs(sub) -> None:
    """credit."""
    s = sub.add_parser("credit", help="credit exposure per customer: over limit / hold proposed, with the reason")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.add_argument("--as-of", type=date_arg, default=None, metavar="DATE", help=AS_OF_HELP)
    s.add_argument("--confirm", default=None, metavar="CUSTOMER", help="a person confirms the hold of this customer")
    s.add_argument("--release", default=None, metavar="CUSTOMER", help="a person releases the hold of this customer")
    s.add_argument("--user", default=None, help="who decides (default: the workbook's user)")
    s.set_defaults(fn=cmd_credit)
