"""``paused()``: Python's cyclic garbage collector paused for a piece of bulk work.

Reading a 100,000-row workbook or matching 10,000 payments allocates some million small objects
(cells, index lists, options) that live until the work ends; the collector keeps walking them,
which costs 10-20 % of the work and frees nothing.  Reference counting still frees everything as
usual; only cycles wait until the collector is back on (it is, when the work ends or fails)."""
from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def paused():
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
