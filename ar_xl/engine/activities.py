"""The contact log: one Activities row per call, email, letter, portal message or meeting.

Rules
-----
* ids are ``A-000001``, one more than the highest existing (``disputes.next_id``);
* ``user`` (who), ``customer_id`` and ``outcome`` are required, non-empty text;
* ``channel`` is one of ``schema.CHANNELS`` (call, email, letter, portal,
  meeting), matched ignoring case;
* ``at`` is the moment of contact, kept to the second (default: now);
* ``payment_id`` names the payment a contact asked about (a remittance request, ``actions.credits.ask``);
  empty for a contact logged here;
* ``next_action_date`` is optional; when given it is a date on or after the
  contact's day (a follow-up cannot be planned in the past of the contact).
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from .. import clock, schema
from ..dates import parse_date
from .disputes import next_id  # noqa: F401  (re-exported: A-000001 ids)


def channel_of(channel: object) -> str:
    c = str(channel or "").strip().lower()
    if c not in schema.CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(schema.CHANNELS)}, not {channel!r}")
    return c


def _moment(at: object) -> pd.Timestamp:
    if at is None:
        return pd.Timestamp(clock.now())
    if isinstance(at, (dt.datetime, pd.Timestamp)):
        return pd.Timestamp(at).floor("s")
    if isinstance(at, dt.date):
        return pd.Timestamp(at)
    try:
        ts = pd.Timestamp(str(at).strip())
    except (ValueError, TypeError):
        try:
            return pd.Timestamp(parse_date(at))
        except ValueError:
            raise ValueError(f"not a date and time: {at!r} (use YYYY-MM-DD HH:MM)") from None
    if ts is pd.NaT:
        raise ValueError(f"not a date and time: {at!r}")
    return ts.floor("s")


def new_activity(
    activity_id: str,
    user: str,
    customer_id: str,
    channel: str,
    outcome: str,
    next_action_date: object = None,
    at: object = None,
    note: str = "",
) -> dict:
    """A validated Activities row (a dict of canonical values); ``ValueError`` naming the field otherwise."""
    who = str(user or "").strip()
    if not who:
        raise ValueError("an activity needs the user who made the contact")
    customer = str(customer_id or "").strip()
    if not customer:
        raise ValueError("an activity needs a customer_id")
    what = str(outcome or "").strip()
    if not what:
        raise ValueError("an activity needs an outcome (what was agreed or heard)")
    when = _moment(at)
    nxt = pd.NaT
    if next_action_date is not None and not (isinstance(next_action_date, str) and not next_action_date.strip()):
        try:
            d = parse_date(next_action_date)
        except ValueError as e:
            raise ValueError(f"next_action_date: {e}") from None
        if d < when.date():
            raise ValueError(f"next_action_date {d:%Y-%m-%d} is before the contact on {when:%Y-%m-%d}")
        nxt = pd.Timestamp(d)
    return {
        "activity_id": activity_id,
        "at": when,
        "user": who,
        "customer_id": customer,
        "channel": channel_of(channel),
        "outcome": what,
        "next_action_date": nxt,
        "note": str(note or ""),
        "payment_id": "",
    }
