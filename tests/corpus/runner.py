"""Run one corpus case through ``ar-xl`` (``ar_xl.cli.main``, as a collector's command would) and judge it.

The verdicts:
``refused``  exit status 2, the message holds what the case says it must (file, row, column), and
             every file in the case's folder is byte for byte what it was before;
``accepted`` exit status 0 and the case's own check of the result passes;
``crashed``  an exception escaped the command (a traceback for the user);
``wrong``    anything else: a refusal of good input, bad input taken, a file changed by a refusal,
             a message that does not say where the problem is.
"""
from __future__ import annotations

import contextlib
import io
import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ar_xl.cli import main


@dataclass
class Case:
    name: str
    section: str
    """The part of issue 10 (or 9) it comes from, e.g. '3 bank rows'."""
    expect: str
    """'refuse' or 'accept'."""
    prepare: Callable[[Path], list[str]]
    """Makes the inputs in a fresh folder; returns the ``ar-xl`` arguments."""
    says: tuple[str, ...] = ()
    """Text the command's output must hold (case-insensitive): the file, row, column, reason."""
    check: Callable[[Path, str], None] | None = None
    """For an accepted case: asserts the outcome (folder, output)."""
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Verdict:
    kind: str
    detail: str = ""
    output: str = ""


def _snapshot(folder: Path) -> dict[str, bytes]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out[str(p.relative_to(folder))] = p.read_bytes()
    return out


def run(case: Case, folder: Path) -> Verdict:
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        argv = case.prepare(folder)
    before = _snapshot(folder)
    out, err = io.StringIO(), io.StringIO()
    saved = {k: os.environ.get(k) for k in case.env}
    os.environ.update(case.env)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(argv)
    except SystemExit as e:  # argparse refusals
        status = e.code if isinstance(e.code, int) else 2
    except BaseException:  # noqa: BLE001 - a traceback is the verdict
        return Verdict("crashed", traceback.format_exc(limit=-3), out.getvalue() + err.getvalue())
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    text = out.getvalue() + err.getvalue()
    missing = [s for s in case.says if s.lower() not in text.lower()]
    if case.expect == "refuse":
        if status != 2:
            return Verdict("wrong", f"exit {status}, expected a refusal (2)", text)
        after = _snapshot(folder)
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        if changed:
            return Verdict("wrong", f"refused but changed {changed}", text)
        if missing:
            return Verdict("wrong", f"refusal does not say {missing}", text)
        return Verdict("refused", "", text)
    if status != 0:
        return Verdict("wrong", f"exit {status}, expected success", text)
    if missing:
        return Verdict("wrong", f"output does not say {missing}", text)
    if case.check:
        try:
            case.check(folder, text)
        except AssertionError as e:
            return Verdict("wrong", f"check failed: {e}", text)
    return Verdict("accepted", "", text)
