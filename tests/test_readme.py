"""Every example of the README works on a fresh demo: each ```bash block is run, in order, and each command
exits 0.  The first block is the two-command set-up; the environment is already installed, so of it only the
demo is built (``.venv/bin/ar-xl demo collections-demo.xlsx``).  "today" is the suite's day (conftest)."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def bash_blocks(text: str) -> list[list[str]]:
    """The ```bash blocks of the README, as lists of commands (continued lines joined, comments dropped)."""
    blocks = re.findall(r"^```bash\n(.*?)^```", text, flags=re.M | re.S)
    out = []
    for body in blocks:
        commands, pending = [], ""
        for line in body.splitlines():
            if pending:
                line = pending + " " + line.strip()
                pending = ""
            if line.rstrip().endswith("\\"):
                pending = line.rstrip()[:-1]
                continue
            if line.strip() and not line.lstrip().startswith("#"):
                commands.append(line)
        out.append(commands)
    return out


def runnable(command: str) -> str:
    """The command as the test runs it: the set-up's install steps dropped (already done), ``.venv/bin/`` off."""
    if "pip install" in command:
        command = command.split("&&")[-1].strip()
    return command.replace(".venv/bin/", "")


def test_the_readme_has_examples_to_run():
    blocks = bash_blocks(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 8
    assert runnable(blocks[0][0]) == "ar-xl demo collections-demo.xlsx"


def test_every_readme_example_runs_on_a_fresh_demo(tmp_path):
    prelude = f'ar-xl() {{ {shlex.quote(sys.executable)} -m ar_xl.cli "$@"; }}\n'
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    failed = []
    ran = 0
    for block in bash_blocks(README.read_text(encoding="utf-8")):
        for command in block:
            done = subprocess.run(["bash", "-c", prelude + runnable(command)], cwd=tmp_path, env=env,
                                  capture_output=True, text=True, timeout=600)
            ran += 1
            if done.returncode != 0:
                failed.append(f"{command}\n  -> exit {done.returncode}: {(done.stderr or done.stdout).strip()[-600:]}")
    assert not failed, "\n".join(failed)
    assert ran >= 25
    assert (tmp_path / "collections-demo.xlsx").is_file() and (tmp_path / "statement-C10993.pdf").is_file()
