"""``ar-xl interest``: statutory late-payment interest and the fixed compensation on one debt.

Prints the interest and the compensation on separate lines, then one line per period with its
days, principal, rate and how the rate was found.  When the rate of a half-year is missing the
interest is not computed: the missing half-years and the Config rows that would supply them are
printed, and the exit status is 2.  Rule: ``ar_xl.engine.interest``.
"""
from __future__ import annotations

import sys

from .common import date_arg


def add_verbs(sub) -> None:
    """interest."""
    s = sub.add_parser("interest", help="statutory late-payment interest and fixed compensation on one debt")
    s.add_argument("--amount", required=True, metavar="A", help="the overdue amount, e.g. 1234.56")
    s.add_argument("--due", required=True, type=date_arg, metavar="DATE", help="the due date (not a day of interest)")
    s.add_argument("--until", required=True, type=date_arg, metavar="DATE",
                   help="the day paid or the as-of date (included)")
    s.add_argument("--country", required=True, metavar="CC", help="NL, BE, DE, FR, LU or GB (UK)")
    s.add_argument("--currency", default=None, metavar="CCY",
                   help="the debt's currency (default EUR; GBP for GB)")
    s.add_argument("--config", default=None, metavar="WORKBOOK",
                   help="a collections workbook whose Config rows rate.<SERIES>.<YYYY>H<1|2> add or override rates")
    s.set_defaults(fn=cmd_interest)


def cmd_interest(a) -> int:
    from ..engine import interest
    from ..money import fmt, parse_amount
    from .common import config_for

    try:
        cents = parse_amount(a.amount)
    except ValueError as e:
        raise ValueError(f"--amount: {e}") from None
    country = interest.country_code(a.country)
    overrides = config_for(a.config).late_rates if a.config else {}
    result = interest.late_interest(cents, a.due, a.until, country, a.currency,
                                    interest.RateTable.load(overrides))
    cur = result.currency
    print(f"{interest.RULES[country].law}: {fmt(result.amount)} {cur} due {a.due.isoformat()}, "
          f"until {a.until.isoformat()}: {result.days} day(s) of interest")
    if result.interest is None:
        print(f"interest: not computed ({result.missing_text()})")
    else:
        print(f"interest: {fmt(result.interest)} {cur}")
    print(f"compensation: {fmt(result.compensation)} {result.compensation_currency}")
    for p in result.periods:
        rate = "no rate" if p.rate is None else f"{p.rate}%"
        amount = "-" if p.interest is None else f"{fmt(p.interest)} {cur}"
        principal = "-" if p.principal is None else fmt(p.principal)
        print(f"  {p.start.isoformat()} .. {p.end.isoformat()}  {p.days:>4} days  on {principal}  "
              f"at {rate}: {amount}  [{p.basis}]")
    for note in result.notes:
        print(f"note: {note}")
    if result.missing:
        print(f"ar-xl: {result.missing_text()}", file=sys.stderr)
        return 2
    return 0
