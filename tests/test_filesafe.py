"""The workbook file a team shares (issue 9 §1-2, issue 10 §1): locks, changed files, Excel's owner
file, read-only files and folders, symbolic links, atomic saves, backups, temporary files."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

from ar_xl import config as config_mod
from ar_xl.actions import activity
from ar_xl.cli import main
from ar_xl.errors import InputError
from ar_xl.workbook import filesafe, xlsx
from drills import contact_argv, notes, team_workbook


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return team_workbook(tmp_path_factory.mktemp("template") / "team.xlsx")


def _age(path, seconds: float) -> None:
    """Make ``path`` ``seconds`` old on its file system's clock (not this process's, which faketime moves)."""
    now = os.stat(path).st_mtime
    os.utime(path, (now - seconds, now - seconds))


def copy_of(template, path):
    shutil.copyfile(template, path)
    return path


@pytest.fixture
def book(tmp_path, template):
    return copy_of(template, tmp_path / "team.xlsx")


def contact(path, note, capsys=None):
    code = main(contact_argv(path, note))
    return code, (capsys.readouterr() if capsys else None)


def snapshot(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def write_lock(path, **info):
    base = {"user": "Sanne", "host": socket.gethostname(), "pid": os.getpid(), "command": "ar-xl match",
            "since": "2026-11-23T09:15:00+01:00", "time": time.time(), "token": "theirs"}
    base.update(info)
    lp = filesafe.lock_path(path)
    lp.write_text(json.dumps(base))
    return lp


# ---------------------------------------------------------------- the lock

def test_a_live_lock_stops_the_action_naming_who_holds_it(book, capsys, monkeypatch):
    monkeypatch.setenv("AR_XL_LOCK_WAIT", "0.3")
    lp = write_lock(book)  # this test's own process: alive, however old its lock
    _age(lp, filesafe.STALE_AFTER + 60)
    before = snapshot(book.parent)
    code, out = contact(book, "blocked", capsys)
    assert code == 2
    assert "team.xlsx is being changed by Sanne on " + socket.gethostname() in out.err
    assert "ar-xl match" in out.err and "nothing was written" in out.err
    assert snapshot(book.parent) == before
    assert lp.exists(), "someone else's lock is left alone"


def test_a_crashed_runs_lock_is_taken_over(book, capsys):
    lp = write_lock(book, pid=dead_pid())
    code, _ = contact(book, "after crash", capsys)
    assert code == 0
    assert notes(book) == ["after crash"]
    assert not lp.exists()


def test_an_old_lock_of_another_machine_is_taken_over(book, capsys):
    lp = write_lock(book, host="laptop-of-markus", pid=1)
    _age(lp, filesafe.STALE_AFTER + 60)
    assert contact(book, "after old lock", capsys)[0] == 0
    assert notes(book) == ["after old lock"]


def test_a_fresh_lock_of_another_machine_is_respected(book, capsys, monkeypatch):
    monkeypatch.setenv("AR_XL_LOCK_WAIT", "0.2")
    write_lock(book, host="laptop-of-markus", pid=1, user="Markus")
    code, out = contact(book, "x", capsys)
    assert code == 2 and "Markus on laptop-of-markus" in out.err
    assert notes(book) == []


def test_a_lock_caught_between_its_creation_and_its_content_is_named_not_called_unreadable(book, capsys,
                                                                                           monkeypatch):
    """The holder creates its lock file, then writes who it is: a run that gives up at that moment
    waits for the name instead of saying the lock file is unreadable."""
    import threading
    monkeypatch.setenv("AR_XL_LOCK_WAIT", "0")
    lp = filesafe.lock_path(book)
    lp.write_bytes(b"")  # created, not yet written
    # (a plain sleep, not threading.Timer: a timed wait never ends under faketime)
    writer = threading.Thread(target=lambda: (time.sleep(0.05), write_lock(book, user="Sanne")))
    writer.start()
    try:
        code, out = contact(book, "blocked", capsys)
    finally:
        writer.join()
    assert code == 2
    assert "being changed by Sanne on " + socket.gethostname() in out.err and "unreadable" not in out.err
    assert notes(book) == []


def test_an_unreadable_lock_file_is_taken_over_once_it_is_old(book, capsys):
    lp = filesafe.lock_path(book)
    lp.write_bytes(b"")  # a run killed between creating the lock file and writing it
    _age(lp, 60)
    assert contact(book, "ok", capsys)[0] == 0


def test_the_lock_names_user_machine_process_and_time(book):
    with filesafe.locked(book):
        info = json.loads(filesafe.lock_path(book).read_text())
        assert info["host"] == socket.gethostname() and info["pid"] == os.getpid()
        assert info["user"] and info["since"][:4].isdigit()
        with filesafe.locked(book):  # re-entrant within a process
            pass
        assert filesafe.lock_path(book).exists()
    assert not filesafe.lock_path(book).exists()


# ---------------------------------------------------------------- the file changed underneath

def test_save_refuses_a_file_changed_since_it_was_read(book):
    b = xlsx.load(book)
    other = xlsx.load(book)
    xlsx.save(other, activity.log_activity(other, "C1", "call", "no answer", note="first"))
    with pytest.raises(filesafe.Changed, match="team.xlsx.*changed by another program"):
        xlsx.save(b, activity.log_activity(b, "C1", "call", "no answer", note="second"))
    assert notes(book) == ["first"]


def test_a_change_underneath_reruns_the_whole_cycle(book):
    from ar_xl.cli.common import run_on_workbook
    calls = []

    def action(b):
        calls.append(1)
        if len(calls) == 1:  # Excel (or any other program) saves the workbook meanwhile
            other = xlsx.load(book)
            xlsx.save(other, activity.log_activity(other, "C1", "email", "sent", note="from Excel"))
        return activity.log_activity(b, "C1", "call", "no answer", note="mine")

    run_on_workbook(book, action)
    assert len(calls) == 2
    assert notes(book) == ["from Excel", "mine"]


def test_saving_twice_from_one_load_still_works(book):
    b = xlsx.load(book)
    xlsx.save(b, activity.log_activity(b, "C1", "call", "no answer", note="one"))
    xlsx.save(b, activity.log_activity(b, "C1", "call", "no answer", note="two"))
    assert notes(book) == ["one", "two"]


# ---------------------------------------------------------------- Excel / LibreOffice have it open

def excel_owner_file(folder, name, user):
    raw = user.encode("cp1252")
    data = bytes([len(raw)]) + raw + b" " * (53 - len(raw)) + len(user).to_bytes(2, "little") + user.encode("utf-16-le")
    (folder / ("~$" + name)).write_bytes(data + b"\x00" * (165 - len(data)))


def test_excel_owner_file_refuses_and_says_who_and_ribbon(book, capsys):
    excel_owner_file(book.parent, "team.xlsx", "Zoë Janssen")
    before = snapshot(book.parent)
    code, out = contact(book, "x", capsys)
    assert code == 2
    assert "team.xlsx is open in Excel by Zoë Janssen" in out.err and "ribbon" in out.err
    assert snapshot(book.parent) == before


def test_libreoffice_lock_file_refuses_and_says_who(book, capsys):
    (book.parent / ".~lock.team.xlsx#").write_text("Markus Kühn,markus,pc-17,23.11.2026 09:12,file:///home/markus/.config/libreoffice/4;")
    code, out = contact(book, "x", capsys)
    assert code == 2 and "open in LibreOffice by Markus Kühn on pc-17" in out.err
    assert notes(book) == []


def test_owner_file_of_another_workbook_does_not_matter(book, capsys):
    excel_owner_file(book.parent, "other.xlsx", "Emma")
    assert contact(book, "ok", capsys)[0] == 0


# ---------------------------------------------------------------- read-only, folders, links

def test_read_only_workbook_is_refused_by_its_mode_bits(book, capsys):
    os.chmod(book, 0o444)
    before = snapshot(book.parent)
    code, out = contact(book, "x", capsys)
    assert code == 2 and "team.xlsx" in out.err and "read-only" in out.err
    assert snapshot(book.parent) == before


def test_read_only_folder_is_a_clear_error(tmp_path, template, capsys):
    folder = tmp_path / "shared"
    folder.mkdir()
    book = copy_of(template, folder / "team.xlsx")
    os.chmod(folder, 0o555)
    try:
        code, out = contact(book, "x", capsys)
        assert code == 2 and "Traceback" not in out.err
        assert "folder" in out.err and "read-only" in out.err and "team.xlsx" in out.err
    finally:
        os.chmod(folder, 0o755)
    assert notes(book) == []


def test_os_refusal_while_saving_is_a_clear_error(book, monkeypatch):
    def deny(*a, **k):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(filesafe.atomic.os, "replace", deny)
    b = xlsx.load(book)
    with pytest.raises(filesafe.ReadOnly, match="team.xlsx: cannot save the workbook"):
        xlsx.save(b, activity.log_activity(b, "C1", "call", "no answer"))
    assert not [p for p in book.parent.iterdir() if p.name.startswith(".~ar-xl")]


def test_symlinked_workbook_is_written_through_to_its_target(tmp_path, template, capsys):
    (tmp_path / "shared").mkdir()
    target = copy_of(template, tmp_path / "shared" / "team.xlsx")
    link = tmp_path / "link.xlsx"
    link.symlink_to(target)
    assert contact(link, "via link", capsys)[0] == 0
    assert link.is_symlink() and link.resolve() == target
    assert notes(target) == ["via link"]
    assert filesafe.backups(target), "the backup sits beside the target"
    assert not (tmp_path / "ar-xl-backups").exists()


# ---------------------------------------------------------------- atomic save, backups, temp files

def test_a_failed_write_leaves_the_workbook_as_it_was(book):
    before = book.read_bytes()

    def half(tmp):
        with open(tmp, "wb") as f:
            f.write(b"PK\x03\x04 half")
        raise RuntimeError("disk gone")
    with pytest.raises(RuntimeError):
        filesafe.atomic_write(book, half)
    assert book.read_bytes() == before
    assert not [p for p in book.parent.iterdir() if p.name.startswith(".~ar-xl")]


def test_backups_keep_the_last_versions(book):
    versions = []
    for i in range(5):
        versions.append(book.read_bytes())
        filesafe.atomic_write(book, lambda tmp, i=i: open(tmp, "wb").write(f"version {i}".encode()), keep=3)
    kept = filesafe.backups(book)
    assert [p.read_bytes() for p in kept] == versions[-3:]
    assert book.read_bytes() == b"version 4"
    assert all(p.parent == book.parent / "ar-xl-backups" / "team" for p in kept)


def test_config_backups_kept(book):
    assert config_mod.Config().backups_kept == 10
    rows = config_mod.default_rows()
    assert "backups_kept" in rows["setting"].tolist()
    rows.loc[rows["setting"] == "backups_kept", "value"] = "2"
    assert config_mod.from_rows(rows).backups_kept == 2
    rows.loc[rows["setting"] == "backups_kept", "value"] = "many"
    with pytest.raises(InputError, match="backups_kept"):
        config_mod.from_rows(rows)


def test_every_action_keeps_a_backup_of_the_version_it_replaced(book, capsys):
    before = book.read_bytes()
    assert contact(book, "one", capsys)[0] == 0
    assert filesafe.backups(book)[-1].read_bytes() == before


def test_stale_temp_files_are_cleaned_and_live_ones_kept(book, capsys):
    host = filesafe._safe(socket.gethostname())
    folder = book.parent
    dead = folder / f".~ar-xl-{dead_pid()}@{host}-abcd1234.xlsx"
    live = folder / f".~ar-xl-{os.getppid()}@{host}-abcd1234.xlsx"
    old = folder / ".~ar-xl-team-dead.xlsx"
    remote = folder / ".~ar-xl-4242@other-machine-abcd1234.xlsx"
    for p in (dead, live, old, remote):
        p.write_bytes(b"PK\x03\x04half a zip")
    _age(old, filesafe.TEMP_STALE_AFTER + 60)
    assert contact(book, "x", capsys)[0] == 0
    left = sorted(p.name for p in folder.iterdir() if p.name.startswith(".~ar-xl"))
    assert left == sorted([live.name, remote.name])


def test_file_mode_is_kept_across_saves(book, capsys):
    os.chmod(book, 0o640)
    assert contact(book, "x", capsys)[0] == 0
    assert book.stat().st_mode & 0o777 == 0o640


def test_owner_file_found_whatever_its_case(book):
    excel_owner_file(book.parent, "TEAM.xlsx", "Emma")
    msg = filesafe.open_elsewhere(book)
    assert msg and "Emma" in msg and "ribbon" in msg


def test_backups_are_copied_where_hard_links_are_not_possible(book, monkeypatch):
    def no_links(*a, **k):
        raise OSError(1, "Operation not permitted")
    monkeypatch.setattr(filesafe.backup.os, "link", no_links)
    before = book.read_bytes()
    filesafe.atomic_write(book, lambda tmp: open(tmp, "wb").write(b"new"))
    kept = filesafe.backups(book)
    assert [p.read_bytes() for p in kept] == [before]
    assert not [p for p in kept[0].parent.iterdir() if p.name.startswith(".~ar-xl")]
