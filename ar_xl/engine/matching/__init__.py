"""Cash application: which open invoice(s) each incoming payment pays, and why.

``match(payments, invoices, customers, config, known_ibans, aliases, paid_by)`` takes
the canonical frames (money in ``int64`` cents) and returns one row per allocation.
``invoices`` holds the settled invoices too (open amount zero; ``paid_by`` names the
payments applied to them): they are never allocated, but they stay in the reference
index so that a remittance naming one is read as a possible duplicate.

The modules, one step each (as rapidfuzz keeps its scorers apart from ``process``)
---------------------------------------------------------------------------------
``payment.Payment`` (one payment as read) → ``ref_evidence.read_refs`` (reference evidence) and
``payer_evidence.read_payer`` (payer evidence) → ``amount_fit.fit_amount`` (the allocations the amount
allows, as ``options.Option``; the fitting itself in ``fit``, sets in ``subset_sum``, plans and promises in
``commitments``) → ``decide.decide`` (scores from ``score.SCORES``, one decision; the suggestions ordered
with ``language`` too) → ``driver`` (the run in value-date order, allocation rows; evidence text from the parts
that fired, ``score._evidence`` plus ``Decision.reasons``).  ``context._Ctx`` is what a run builds once.
``quick.named_exactly`` reads the common case (every reference names an open item of one customer and they add up
to the payment, the payer known to be that customer or not known) without the search, giving exactly the options
``fit_amount`` gives.

How a payment is read
---------------------
1. **References** in the remittance text and the structured creditor
   reference (``refs.RefIndex``): exact ids, ids with separators, zeros or
   prefixes missing, bare numbers matching the end of an id, lists, ranges,
   one-digit typos, RF and Belgian OGM references with valid check digits.
2. **Payer**: an IBAN known for a customer (``customers.iban``, or learned from
   earlier matches and passed as ``known_ibans``), else a fuzzy name match
   (``payer.PayerIndex``) on names and learned aliases.  A **third party**
   declared in ``customers.pays_for`` (a parent company for its subsidiaries, a
   factoring company for its clients: customer ids, ``;``-separated) passes its
   evidence on: its payments are read as payments of those customers too
   (``third:<kind>``, scored ``SCORES["payer:third_party"]`` lower, rule
   ``third+…`` when no reference), with no conflict, so a parent's payment naming a
   subsidiary's invoice is applied to it; with no reference it is only suggested.
3. **Amount**, per candidate customer (only invoices in the payment's currency
   with something still open):

   * referenced invoices whose open amounts add up to the payment (``amount``),
     with one or two of the customer's credit notes netted if that makes it exact;
   * the same, short by at most the tolerance (``tolerance``).  One rule, every
     limit computed exactly and rounded half away from zero to the cent
     (``money.round_half``): bank charges up to ``Config.match_tolerance_abs``
     (converted to the payment's currency) or, only when the payment names the
     invoice, the early-payment discount of the payment terms *when it is
     earned*: the value date is within the discount period counted from the
     invoice date (``Config.discount_terms``, or the customer's own
     ``payment_terms``; ``config.parse_terms`` reads ``2/10 net 30``,
     ``2 % Skonto 14 Tage`` …).  The payment is applied and the gap is shown in
     ``write_off`` (flag ``discount`` for an earned discount) for a person to
     write off — the engine never applies more than was paid;
   * short by no more than the discount of the terms but paid after the discount
     period (``unearned``): a short payment (``short_pay``, flag
     ``unearned_discount``), never automatic; the action proposes it as a
     dispute of reason ``unearned discount``;
   * a set of 2..6 open items (invoices and credit notes) adding up exactly to
     the payment (``subset``): a meet-in-the-middle search over at most
     ``SUBSET_CAP`` items.  A customer with more items is searched in runs of
     ``SUBSET_CAP`` items by due date (those due nearest the value date first)
     plus an exhaustive search for pairs.  A set counts as telling ("the only
     such set") only when the search was exhaustive and the density of
     subset sums around the amount says a coincidence is unlikely
     (``MAX_CHANCE``); otherwise it is suggested, not applied.  A customer with more
     items is never "the only such set": single items and pairs are searched over
     all of them first, then sets in runs; the sets found are ranked by size and by
     how close together their items fall due (a payment run);
   * less than referenced (``partial``): applied oldest first; what stays open
     on an invoice beyond tolerance is ``short_pay`` (a possible deduction or
     dispute) and flagged;
   * more than referenced (``over``): the invoices are paid in full and the
     rest is **unapplied cash**: an allocation row with an empty invoice_id,
     the customer_id, the rest as ``applied_amount`` and flag
     ``unapplied_cash``, so a payment's rows always add up to what was
     applied (credit notes enter as negative rows).

Every hypothesis (customer + allocation) gets a score from its evidence (see
``SCORES``); confidence is the score clipped to 0..1.  Equal scores rank by how
close together the items fall due, then the oldest.  A payment is applied
**auto**matically only when the best hypothesis reaches
``Config.match_auto_threshold``, has no contradicting evidence (the payer is
known to be another customer; a strong reference points to another
customer's invoice), nothing holds it back (an unearned discount; a possible
duplicate; an invoice a person applied less of this payment to, ``applied_less``) and no other hypothesis comes
within ``AMBIGUITY_MARGIN``.
Otherwise the hypotheses are **suggested** with ``rank`` 1..n (rows of one
hypothesis share a rank), or the payment is **unmatched** (one row with an
empty invoice_id; customer_id holds the payer when known).

Suggestions are ordered for the person who reviews them (``decide._review_key``), apart from the automatic
decision (whose best hypothesis, rivals and confidence stay the score's; a suggestion shows its score as its
confidence, but never more than the suggestion ranked above it shows): by score, except that "no amount
fit; oldest items first" comes after anything that fits; an invoice the remittance names exactly, paid to the
cent by a payer known as another customer, before amount-only guesses at the payer's own account; the named
items with the rest unapplied before named items made up by unnamed ones that may add up by coincidence; and
an item found by amount alone that is short by an odd sum (no bank's fixed fee) after exact sets.  Among
equals: an option at a customer whose ``Customers.language`` the remittance's words are in (``language``: a German
company writes "Rechnung"/"Zahlung", a French one "facture"/"règlement"), when another customer considered for
review is not of that language (evidence "remittance in the customer's language (de)"; never weighed for the decision, never
changing a confidence), then a set of a payment run (items due within ``PAYMENT_RUN_DAYS`` of each other)
before one spread wider, fewer items first, a round shortfall before an odd one, items due closer together, the
oldest.  Some hypotheses are found for review only (``Option.review_only``, never weighed for the automatic
decision): at a customer with 40+ open items the sets of a payment run of 2-6 items over all its items
(``run_sets``), beside sets that may be coincidences the items within tolerance, and beside named items made up by
such a set the one-digit neighbour of the number written whose amount fits.

A reference that lands on an existing invoice (open or settled) whose amount does
not fit is also read as a one-digit typo of its neighbours (via the index), and
the amount alone is tried for the payer's own items.  A neighbour of the same
customer that fits the amount to the cent, where the named invoice only fits as a
partial payment, is read as the typo it is (``ref:typo_fits``) unless the
remittance says it pays less (``Teilzahlung``, ``Skonto``, ``2 %`` …); a typo
that hits another customer's number, or an overpayment rival, ends as a suggestion.
Named items plus unnamed ones that come to the named total again (paid twice?)
are never automatic and rank below "overpaid".

Duplicates: a remittance that names a specific invoice (a structured, exact or
normalised reference, or a one-digit typo when the payer is known to be its
customer) is evidence against every other invoice.  When that invoice is already
settled — by an earlier payment in the run or before (``paid_by``) — the payment
is never applied automatically: every suggestion carries the flag
``possible duplicate``, and rank 1 (when it scores best) names the settled
invoice with nothing applied and the earlier payment (``ref+duplicate``,
``… already settled by payment P1 of 2026-03-01``).  A reference to another
customer's settled invoice while the payer is known is read as before (a typo
or a third party), and an invoice settled only by this same payment (the rest
of an overpayment) does not count.

Plans and promises (``commitments``, when ``plans`` / ``promises`` are given): a payment of what is due
on an installment of a live plan is allocated to the plan's invoices oldest first and named as that
installment (``plan+installment``, ``plan P-000001 installment 1 of 6 …``), applied automatically only
when the remittance names the plan, the amount equals the installment due and the payer is the plan's
customer; a payment of what a live promise of the payer still lacks, within its window, is allocated to
the promise's invoices (``…+promise``).  Neither is a short payment: the rest stays open as planned.

Payments are taken in value-date order; an automatic allocation lowers the
invoice's open amount for later payments, so no invoice is ever applied beyond
what is open, and one it settles counts as settled by that payment for later
payments.  Suggestions do not consume anything.  The payments left for review are then read again against
what the later payments settled (up to ``MAX_PASSES`` passes, while anything changes), so a re-run with nothing
new finds what the run found.
"""
from __future__ import annotations

from .commitments import installment_named
from .decide import AMBIGUITY_MARGIN, MAX_SUGGESTIONS
from .driver import COLUMNS, MAX_PASSES, match
from .fit import FITS, MAX_WINDOWS
from .options import Option
from .score import SCORES
from .subset_sum import MAX_CHANCE, SUBSET_CAP, SUBSET_MAX, SUBSET_MIN, SubsetResult, subset_sum

__all__ = ["AMBIGUITY_MARGIN", "COLUMNS", "MAX_PASSES", "FITS", "MAX_CHANCE", "MAX_SUGGESTIONS", "MAX_WINDOWS", "Option",
           "SCORES", "SUBSET_CAP", "installment_named", "SUBSET_MAX", "SUBSET_MIN", "SubsetResult", "match", "subset_sum"]
