"""`ar-xl --help` explains every option, and `ar-xl ... | head` ends quietly."""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from ar_xl import schema
from ar_xl.cli import build_parser
from ar_xl.config import DEFAULT_REASONS

ROOT = Path(__file__).resolve().parent.parent


def _commands(parser: argparse.ArgumentParser, prefix: str = "ar-xl"):
    """Every (command line, parser) of the tree: ``ar-xl dispute add`` and so on."""
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, f"{prefix} {name}")


def _arguments():
    for line, parser in _commands(build_parser()):
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction)):
                continue
            yield line, action


def _name(action) -> str:
    return "/".join(action.option_strings) or action.dest


def test_every_option_and_argument_has_help_text():
    missing = [f"{line} {_name(a)}" for line, a in _arguments() if not (a.help or "").strip()]
    assert missing == []


def test_every_sub_command_has_help_text():
    bare = []
    for line, parser in _commands(build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helped = {c.dest for c in action._choices_actions if (c.help or "").strip()}
                bare += [f"{line} {n}" for n in action.choices if n not in helped]
    assert bare == []


def _help_of(command: list[str]) -> str:
    parser = build_parser()
    for part in command:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[part]
    return parser.format_help()


def test_allowed_values_come_from_the_schema_and_config():
    contact = _help_of(["contact"])
    for channel in schema.CHANNELS:
        assert channel in contact
    dispute = " ".join(_help_of(["dispute", "add"]).split())
    for reason in DEFAULT_REASONS:
        assert reason in dispute
    for owner in schema.DISPUTE_OWNERS:
        assert owner in dispute
    status = " ".join(_help_of(["dispute", "status"]).split())
    for s in schema.DISPUTE_STATUSES:
        assert s in status


@pytest.mark.parametrize("command", [["plan", "schedule"], ["plan", "create"]])
def test_the_interest_help_says_what_simple_interest_computes(command, capsys):
    """``--interest simple`` is flat interest on the financed principal (engine.plans), not interest on the
    remaining balance: the help says so, with the figures the schedule prints."""
    text = " ".join(_help_of(command).split())
    assert "simple: flat interest on the financed principal" in text
    assert "66.67 a month, 800 in all" in text
    assert "simple interest on the remaining balance" not in text
    from ar_xl.cli import main
    assert main(["plan", "schedule", "--amount", "10000", "--installments", "12", "--first-due", "2026-12-31",
                 "--interest", "simple", "--rate", "8"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert all(line.split()[4] == "66.67" for line in out[1:12]), out  # the last takes the rounding: 66.63
    assert out[-1] == "total 10,800.00 = principal 10,000.00 + interest 800.00"


def test_a_choice_outside_the_schema_is_refused(capsys):
    with pytest.raises(SystemExit) as e:
        build_parser().parse_args(["contact", "x.xlsx", "--customer", "C1", "--channel", "fax", "--outcome", "x"])
    assert e.value.code == 2
    assert "invalid choice: 'fax'" in capsys.readouterr().err


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    """`ar-xl age ... | head -1`: the pipe closes after one line; the command stops with status 141 and says
    nothing on stderr (no BrokenPipeError traceback, no 'Exception ignored')."""
    lines = ["Invoice ID;Customer ID;Customer Name;Invoice Date;Due Date;Currency;Amount;Open Amount"]
    lines += [f"2026-{i:05d};C{i % 900};Customer {i % 900} B.V.;2026-06-01;2026-07-01;EUR;100,00;100,00"
              for i in range(6000)]
    src = tmp_path / "invoices.csv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "ar_xl.cli", "age", "--invoices", str(src), "--as-of", "2026-11-23",
           "--by", "invoice"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()  # what `head -1` does
    err = proc.stderr.read().decode()
    status = proc.wait(timeout=120)
    assert first.startswith(b"Aging by invoice at 2026-11-23")
    assert status == 141
    assert err == ""
