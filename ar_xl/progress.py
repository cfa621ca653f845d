"""Progress of long work, shown on a terminal and nowhere else.

The engine and the actions say what they are doing (``task``, ``track``); whether and how that is shown is
the shell's choice.  By default nothing is shown and the calls cost next to nothing.  The command line
(``ar-xl``) calls ``on_terminal()``: when both stdout and stderr are terminals it shows a ``rich`` progress
display on stderr (a spinner for work of unknown length, a bar with counts for loops) that is erased when
the command ends; when stdout is a pipe or a file (a script, ``| head``, ``> out.txt``) nothing extra is
printed, so output that a program reads stays exactly as it was.  The ribbon shows nothing of it (Excel's
status bar is not a terminal).
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")


class _Silent:
    """A task nobody watches."""

    def advance(self, n: int = 1) -> None:
        pass


_SILENT = _Silent()
_sink: Callable | None = None
"""``sink(description, total)``: a context manager yielding an object with ``advance(n)``; None: silent."""


@contextmanager
def task(description: str, total: int | None = None) -> Iterator:
    """A piece of work: ``with progress.task("saving book.xlsx"): ...``; ``total`` steps, or unknown."""
    if _sink is None:
        yield _SILENT
        return
    with _sink(description, total) as t:
        yield t


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """``for x in progress.track(xs, "matching payments"): ...``: one step a item."""
    if _sink is None:
        yield from items
        return
    if total is None:
        try:
            total = len(items)  # type: ignore[arg-type]
        except TypeError:
            total = None
    with task(description, total) as t:
        for x in items:
            yield x
            t.advance()


def showing(stdout=None, stderr=None) -> bool:
    """True when progress would be shown: stdout and stderr are both terminals."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        return bool(out.isatty() and err.isatty())
    except (AttributeError, ValueError):
        return False


@contextmanager
def on_terminal() -> Iterator[None]:
    """Show the progress of what runs inside, on stderr, when stdout and stderr are terminals (see above)."""
    global _sink
    if not showing() or _sink is not None:
        yield
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.text import Text

    class Counts(ProgressColumn):
        """``1,234/20,000`` for a loop; nothing for work of unknown length."""

        def render(self, t):
            return Text("" if t.total is None else f"{int(t.completed):,}/{int(t.total):,}", style="green")

    display = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), Counts(),
                       TimeElapsedColumn(), console=Console(stderr=True), transient=True)

    class _Shown:
        def __init__(self, task_id):
            self.task_id = task_id

        def advance(self, n: int = 1) -> None:
            display.advance(self.task_id, n)

    @contextmanager
    def sink(description: str, total: int | None):
        task_id = display.add_task(description, total=total)
        try:
            yield _Shown(task_id)
        finally:
            display.remove_task(task_id)

    _sink = sink
    try:
        with display:
            yield
    finally:
        _sink = None
