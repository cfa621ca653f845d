"""One incoming payment as the matcher reads it (``Payment``): the fields of a Payments row it weighs, with
the amount still to apply (``unapplied_amount`` when a person already applied part of it) and the value
date as a day number."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Payment:
    payment_id: str
    amount: int
    """Cents still to apply."""
    currency: str
    payer_name: str = ""
    payer_iban: str = ""
    remittance: str = ""
    creditor_reference: str = ""
    day: int = 0
    """Value date as a day number (``context.NO_DAY`` when missing)."""
    value_date: str = ""
    """Value date as ISO text ('' when missing), named in the evidence of a later possible duplicate."""
