"""Long work shows its progress on a terminal, and prints nothing extra anywhere else."""
from __future__ import annotations

import os
import pty
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from ar_xl import progress
from ar_xl.cli import main

from helpers import shared_data

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def recording():
    """A sink that records what is reported: [description, total, steps done]."""
    seen: list[list] = []

    @contextmanager
    def sink(description, total):
        row = [description, total, 0]
        seen.append(row)

        class T:
            def advance(self, n=1):
                row[2] += n
        yield T()
    old, progress._sink = progress._sink, sink
    try:
        yield seen
    finally:
        progress._sink = old


def test_loops_report_each_step_and_phases_their_names(tmp_path):
    book = tmp_path / "book.xlsx"
    assert main(["init", str(book)]) == 0
    statements = [shared_data() / "statements" / "camt" / "subite_be_camt053_small_anonymized.xml"]
    with recording() as seen:
        main(["import", str(book), str(statements[0])])
        main(["match", str(book)])
    names = [d for d, _, _ in seen]
    assert names[:3] == ["reading book.xlsx", "import statements", "reading statements"]
    assert "saving book.xlsx" in names
    reading = next(r for r in seen if r[0] == "reading statements")
    assert reading[1:] == [1, 1]
    matching = [r for r in seen if r[0] == "matching payments"]
    assert matching and matching[0][1] == matching[0][2] > 0


def test_not_a_terminal_prints_nothing_extra(tmp_path):
    """stdout and stderr are pipes: stdout holds the summary line only, stderr nothing."""
    book = tmp_path / "book.xlsx"
    cmd = [sys.executable, "-m", "ar_xl.cli", "init", str(book)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    assert done.stdout == f"created {book}\n"
    assert done.stderr == ""
    assert not progress.showing()  # pytest's captured streams are not terminals


def test_a_terminal_sees_the_demo_progress(tmp_path):
    """On a pseudo-terminal the demo shows each of its steps while it runs (erased when it ends)."""
    master, slave = pty.openpty()
    cmd = [sys.executable, "-m", "ar_xl.cli", "demo", str(tmp_path / "demo.xlsx"), "--customers", "12",
           "--as-of", "2026-11-23"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=slave, stderr=slave, stdin=subprocess.DEVNULL,
                            env={**os.environ, "TERM": "xterm", "COLUMNS": "120"})
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert proc.wait(timeout=300) == 0
    text = out.decode("utf-8", "replace")
    assert "demo: match payments" in text
    assert "Demo workbook" in text  # the summary is still there
