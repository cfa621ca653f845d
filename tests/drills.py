"""The team drills of issue 9, shared by ``tests/test_concurrency.py`` and ``benchmarks/drill_team.py``.

* ``concurrent_contacts``: N collectors log a contact on one workbook at the same moment
  (``ar-xl contact``, each its own process).  Afterwards every process that said it logged its
  contact has its row in the workbook, every other one said why (exit status 2 and a message),
  and no row is lost, doubled or written by a process that said it failed.
* ``kill_drill``: an ``ar-xl contact`` is killed with SIGKILL at a random moment while it saves,
  K times.  After each kill the workbook opens and holds the old content (byte for byte) or the
  new one (the old rows plus the new contact); at the end no temporary or lock file is left.

Processes are started either as ``python -m ar_xl.cli`` (``mode="exec"``, what a collector runs)
or forked from this process after the imports (``mode="fork"``, the same code path without the
interpreter's start-up, so the tests stay quick on a busy machine).  The kill drill always forks:
it watches for the save's temporary file of that very process to time the kill.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from helpers import seeded

ROOT = Path(__file__).resolve().parents[1]


def team_workbook(path: Path) -> Path:
    """One customer with one open invoice: enough for ``ar-xl contact``."""
    return seeded(
        path,
        Customers=([("C1", "Bakker Logistiek B.V.", "NL", "nl", "Sanne")],
                   ["customer_id", "customer_name", "country", "language", "collector"]),
        Invoices=([("2026-0001", "C1", "Bakker Logistiek B.V.", "2026-08-01", "2026-08-31", "EUR", "1200.50",
                    "1200.50", "open")],
                  ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
                   "open_amount", "status"]))


def contact_argv(path: Path, note: str) -> list[str]:
    return ["contact", str(path), "--customer", "C1", "--channel", "call", "--outcome", "no answer",
            "--note", note]


def notes(path: Path) -> list[str]:
    from ar_xl.workbook import xlsx
    return [str(n) for n in xlsx.load(path).get("Activities")["note"].tolist()]


def _fork_main(argv: list[str], out: Path, env: dict[str, str], start_fd: int | None = None) -> int:
    """Fork a process that runs ``ar-xl argv`` (stdout and stderr to ``out``); its pid."""
    pid = os.fork()
    if pid:
        return pid
    code = 70
    try:
        os.environ.update(env)
        sys.argv = ["ar-xl", *argv]
        if start_fd is not None:
            os.read(start_fd, 1)  # wait for the starting gun
        sys.stdout = sys.stderr = open(out, "w", encoding="utf-8")
        from ar_xl.cli import main
        code = main(argv)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 2
    except BaseException:  # noqa: BLE001 - a traceback is what the drill must catch
        import traceback
        traceback.print_exc()
        code = 99
    finally:
        try:
            sys.stdout.flush()
        finally:
            os._exit(code)


@dataclass
class Concurrency:
    runs: int
    ok: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)
    """Processes that exited with a status other than 0: their message."""
    written: int = 0
    lost: list[int] = field(default_factory=list)
    """Processes that said they logged their contact, whose row is not in the workbook."""
    unexplained: list[int] = field(default_factory=list)
    """Processes that failed without a clear message (a traceback, or nothing)."""
    surprises: list[str] = field(default_factory=list)
    """Rows doubled, or written by a process that said it failed."""
    seconds: float = 0.0

    @property
    def refused_with_message(self) -> int:
        return len(self.refused) - len(self.unexplained)


def concurrent_contacts(folder: Path, n: int = 20, mode: str = "fork", wait: float | None = None) -> Concurrency:
    """``n`` processes log a contact on one new workbook at once; what each said and what was written."""
    folder.mkdir(parents=True, exist_ok=True)
    book = team_workbook(folder / "team.xlsx")
    env_all = {"AR_XL_LOCK_WAIT": str(wait)} if wait is not None else {}
    outs = [folder / f"out{i}.txt" for i in range(n)]
    codes: dict[int, int] = {}
    t0 = time.perf_counter()
    if mode == "exec":
        base = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), **env_all)
        procs = []
        for i in range(n):
            with open(outs[i], "w") as fh:
                procs.append(subprocess.Popen([sys.executable, "-m", "ar_xl.cli", *contact_argv(book, f"drill {i}")],
                                              stdout=fh, stderr=subprocess.STDOUT, cwd=str(folder),
                                              env=dict(base, AR_XL_USER=f"collector{i}")))
        for i, p in enumerate(procs):
            codes[i] = p.wait()
    else:
        r, w = os.pipe()
        pids = {_fork_main(contact_argv(book, f"drill {i}"), outs[i], dict(env_all, AR_XL_USER=f"collector{i}"), r): i
                for i in range(n)}
        os.close(r)
        os.write(w, b"x" * n)
        os.close(w)
        for pid, i in pids.items():
            _, status = os.waitpid(pid, 0)
            codes[i] = os.waitstatus_to_exitcode(status)
    res = Concurrency(runs=n, seconds=time.perf_counter() - t0)
    rows = notes(book)
    for i in range(n):
        said = outs[i].read_text(encoding="utf-8").strip()
        mine = rows.count(f"drill {i}")
        if mine > 1:
            res.surprises.append(f"drill {i} written {mine} times")
        if codes[i] == 0:
            res.ok.append(i)
            if mine == 0:
                res.lost.append(i)
        else:
            res.refused[i] = said
            if mine:
                res.surprises.append(f"drill {i} written, but its process failed: {said}")
            if codes[i] != 2 or "Traceback" in said or "team.xlsx" not in said:
                res.unexplained.append(i)
    res.written = sum(1 for i in range(n) if f"drill {i}" in rows)
    return res


@dataclass
class Kills:
    kills: int
    old: int = 0
    """Kills after which the workbook was byte for byte the one before."""
    new: int = 0
    """Kills after which it held the new contact (the kill came after the replace)."""
    broken: list[str] = field(default_factory=list)
    temp_left: list[str] = field(default_factory=list)
    """Temporary files left after the next run (must be none)."""
    lock_left: bool = False
    mid_save: int = 0
    """Kills that caught the process with its temporary file on disk (before its replace)."""
    window: float = 0.0
    """Seconds from the save's temporary file appearing to the process's end, uninterrupted."""

    @property
    def survived(self) -> int:
        return self.old + self.new


def _temp_of(folder: Path, pid: int) -> bool:
    prefix = f".~ar-xl-{pid}@"
    return any(name.startswith(prefix) for name in os.listdir(folder))


_last_pid = [0]


def _run_watched(book: Path, note: str, out: Path, kill_after: float | None) -> tuple[float | None, int]:
    """Fork ``ar-xl contact``; once its save's temporary file appears, kill it after ``kill_after``
    seconds (or let it finish).  Returns (seconds from temp file to exit or kill, exit status;
    -9 when killed)."""
    pid = _fork_main(contact_argv(book, note), out, {})
    _last_pid[0] = pid
    seen = None
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return (None if seen is None else time.perf_counter() - seen), os.waitstatus_to_exitcode(status)
        if seen is None and _temp_of(book.parent, pid):
            seen = time.perf_counter()
        if seen is not None and kill_after is not None and time.perf_counter() - seen >= kill_after:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            return time.perf_counter() - seen, os.waitstatus_to_exitcode(status)
        time.sleep(0.0005)


def kill_drill(folder: Path, kills: int = 30, seed: int = 7) -> Kills:
    """Kill ``ar-xl contact`` with SIGKILL at a random moment of its save, ``kills`` times."""
    from ar_xl.workbook import xlsx
    folder.mkdir(parents=True, exist_ok=True)
    book = team_workbook(folder / "team.xlsx")
    rng = random.Random(seed)
    out = folder / "out.txt"
    # how long a save takes here, from its temporary file to the process's end (the largest of 3)
    spans = [_run_watched(book, f"calibrate {i}", out, None)[0] or 0.0 for i in range(3)]
    res = Kills(kills=kills, window=max(max(spans), 0.01))
    for k in range(kills):
        before = book.read_bytes()
        rows_before = notes(book)
        _run_watched(book, f"kill {k}", out, rng.uniform(0, res.window))
        res.mid_save += _temp_of(folder, _last_pid[0])
        if book.read_bytes() == before:
            res.old += 1
            continue
        try:
            rows = [str(n) for n in xlsx.load(book).get("Activities")["note"].tolist()]
        except Exception as e:  # noqa: BLE001 - a workbook that does not open is the failure counted
            res.broken.append(f"kill {k}: does not open: {e}")
            continue
        if rows == rows_before + [f"kill {k}"]:
            res.new += 1
        else:
            res.broken.append(f"kill {k}: neither old nor new content ({len(rows_before)} -> {len(rows)} rows)")
    # the next run cleans up after the killed ones
    _run_watched(book, "after", out, None)
    res.temp_left = sorted(p.name for p in folder.iterdir() if p.name.startswith(".~ar-xl"))
    res.lock_left = any(p.name.endswith(".ar-xl-lock") for p in folder.iterdir())
    return res


def run_isolated(drill: str, folder: Path, **options) -> dict:
    """Run a drill in a fresh interpreter (``python tests/drills.py``), so its forks copy nothing of
    the caller (a test runner's threads and locks); its result as a dict."""
    import json
    args = [sys.executable, str(Path(__file__).resolve()), drill, str(folder)]
    for k, v in options.items():
        args += [f"--{k}", str(v)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _main() -> int:
    import argparse
    import json
    from dataclasses import asdict
    ap = argparse.ArgumentParser()
    ap.add_argument("drill", choices=("concurrent", "kills"))
    ap.add_argument("folder", type=Path)
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--wait", type=float, default=None)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    if a.drill == "concurrent":
        r = concurrent_contacts(a.folder, n=a.n, mode="fork", wait=a.wait)
        out = dict(asdict(r), refused_with_message=r.refused_with_message)
    else:
        k = kill_drill(a.folder, kills=a.n, seed=a.seed)
        out = dict(asdict(k), survived=k.survived)
    print(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(_main())
