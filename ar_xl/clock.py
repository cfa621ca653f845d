"""Today and now, read in one place.

Every "today" the product uses (a promise date in the past, the as-of date of
an aging, the date a dispute is opened, the time stamp of an Audit row) comes
from here.  ``AR_XL_TODAY`` (an ISO date such as ``2026-11-23``) pins the
date: the tests set it so that they never depend on the day they run, and a
team can rerun a day's work as of that day.  The time of day stays the
machine's.
"""
from __future__ import annotations

import datetime as dt
import os

ENV = "AR_XL_TODAY"


def today() -> dt.date:
    """The date: ``AR_XL_TODAY`` when set, else the machine's local date."""
    pinned = os.environ.get(ENV, "").strip()
    if pinned:
        try:
            return dt.date.fromisoformat(pinned)
        except ValueError:
            raise ValueError(f"{ENV}={pinned!r} is not a date (use YYYY-MM-DD)") from None
    return dt.date.today()


def now() -> dt.datetime:
    """Local date and time to the second, on ``today()``'s date."""
    t = dt.datetime.now().replace(microsecond=0)
    return dt.datetime.combine(today(), t.time())
