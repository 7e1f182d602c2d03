"""Faults (issue 17): a worker killed under ``-j``, Ctrl-C, and ``fix
--write`` keeping the file what it was, except the change."""

from __future__ import annotations

import io
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.builders import OWNER
from tests.support import trust
from verifier.cli import main

ROOT = Path(__file__).resolve().parent.parent
VULNERABLE = ROOT / "examples" / "rekognition-trust-vulnerable.json"
GOOD = trust({"StringEquals": {"aws:SourceAccount": OWNER}})

needs_fork = pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(),
                                reason="the fault is injected into forked workers")


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


# -- a worker killed under -j ----------------------------------------------------------------------------


def _die_on(name: str):
    """A worker job that kills its own process (as the OOM killer would)
    when it meets the file ``name``."""
    from verifier import checking

    original = checking._check_file_job

    def job(args):
        if os.path.basename(args[0]) == name:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(args)
    return job


@needs_fork
def test_a_worker_killed_under_j2_costs_only_its_own_policy(tmp_path, monkeypatch):
    from verifier import checking

    names = [f"p{i:02}.json" for i in range(12)]
    for name in names:
        (tmp_path / name).write_text(json.dumps(GOOD))
    monkeypatch.setattr(checking, "_check_file_job", _die_on("p04.json"))
    code, out, err = run("check", str(tmp_path), "--account", OWNER, "--format", "json", "-j", "2")
    results = {os.path.basename(r["path"]): r for r in json.loads(out)["results"]}
    assert sorted(results) == names  # every file has its result, in the files' order
    assert [r["path"] for r in json.loads(out)["results"]] == sorted(r["path"] for r in results.values())
    lost = results.pop("p04.json")
    assert lost["verdict"] == "unknown"
    assert "the worker process checking it was killed by SIGKILL" in lost["message"]
    assert {r["verdict"] for r in results.values()} == {"safe"}
    assert code == 3 and "Traceback" not in err


@needs_fork
def test_the_pool_is_rebuilt_after_each_lost_worker():
    from verifier import workers

    def job(n):
        if n in (3, 7):
            os.kill(os.getpid(), signal.SIGKILL)
        if n == 5:
            raise ValueError("bad job")
        return n * n

    done = []
    results = workers.run(job, list(range(10)), 2, lambda n, cause: f"lost {n}: {cause}", done.append)
    assert results[3].startswith("lost 3: the worker process checking it was killed by SIGKILL")
    assert results[7].startswith("lost 7:")
    assert results[5] == "lost 5: the worker process failed: ValueError: bad job"
    assert [r for i, r in enumerate(results) if i not in (3, 5, 7)] == [0, 1, 4, 16, 36, 64, 81]
    assert sorted(done) == list(range(10))


def test_workers_keep_the_order_of_the_jobs():
    from verifier import workers

    assert workers.run(str, list(range(40)), 3, None) == [str(n) for n in range(40)]
    assert workers.run(str, [], 2, None) == []


def _slow_tree(tmp_path, count: int) -> Path:
    """Policies that each take a while: many statements to prove."""
    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish",
         "Condition": {"StringEquals": {"aws:SourceAccount": OWNER},
                       "ArnLike": {"aws:SourceArn": f"arn:aws:events:*:{OWNER}:rule/r{i}-*"}}} for i in range(150)]}
    for i in range(count):
        (tmp_path / f"slow{i:03}.json").write_text(json.dumps(doc))
    return tmp_path


@pytest.mark.skipif(sys.platform == "win32", reason="process groups and SIGINT as a terminal sends it")
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_exits_130_with_one_line(tmp_path, jobs):
    """Ctrl-C reaches the whole process group, workers included: one line,
    exit 130, no worker traceback."""
    tree = _slow_tree(tmp_path, 400)  # long enough on any machine: it is interrupted after a few seconds

    def terminal_like():
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.setsid()

    process = subprocess.Popen([sys.executable, "-m", "verifier", "check", str(tree), "--account", OWNER,
                                "-j", jobs, "--timeout", "60"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               preexec_fn=terminal_like)
    deadline = time.monotonic() + 60
    while jobs == "2" and len(_children(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)  # the workers are at work
    time.sleep(1.5)
    assert process.poll() is None, "the run ended before it could be interrupted"
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err.decode() == "deputy: interrupted\n"


def test_ctrl_c_while_the_command_line_is_imported_is_one_line():
    """The first instants: Ctrl-C arrives while ``verifier.cli`` and what it
    imports load (here: raised by that import, as the signal would be)."""
    code = ("import builtins, sys\n"
            "real = builtins.__import__\n"
            "def interrupted(name, *args, **kwargs):\n"
            "    if name == 'verifier.cli':\n"
            "        raise KeyboardInterrupt\n"
            "    return real(name, *args, **kwargs)\n"
            "builtins.__import__ = interrupted\n"
            "from verifier.launch import entry\n"
            "entry()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (130, "deputy: interrupted\n")


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc; none where there is no /proc)."""
    found = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat_file.parent.name))
    return found


# -- fix --write keeps the file what it was, except the change ----------------------------------------------


def vulnerable(tmp_path, name="policy.json", text=None) -> Path:
    path = tmp_path / name
    path.write_bytes((text if text is not None else VULNERABLE.read_text()).encode())
    return path


def fix_write(path, *more):
    return run("fix", str(path), "--account", OWNER, "--write", *more)


def test_a_read_only_file_is_refused_unless_forced(tmp_path):
    path = vulnerable(tmp_path)
    before = path.read_bytes()
    path.chmod(0o444)
    code, out, err = fix_write(path)
    assert code == 2 and "the file is read-only (mode 0444); --force replaces it anyway" in err
    assert path.read_bytes() == before and "ArnLike" in out  # the repair is printed, the file unchanged
    code, _, _ = fix_write(path, "--force")
    assert code == 0 and path.read_bytes() != before
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


def test_the_mode_and_owner_are_kept(tmp_path):
    path = vulnerable(tmp_path)
    path.chmod(0o640)
    owner = (path.stat().st_uid, path.stat().st_gid)
    if os.geteuid() == 0:  # root's fix must not make another user's file root's
        owner = (65534, 65534)
        os.chown(path, *owner)
    assert fix_write(path)[0] == 0
    info = path.stat()
    assert stat.S_IMODE(info.st_mode) == 0o640 and (info.st_uid, info.st_gid) == owner


def test_an_owner_that_cannot_be_kept_is_refused(tmp_path, monkeypatch):
    from verifier.debug import writing

    path = vulnerable(tmp_path)
    before = path.read_bytes()
    real_stat = os.stat

    def other_owner(p, *args, **kwargs):
        info = real_stat(p, *args, **kwargs)
        if str(p) == str(path):
            return os.stat_result((info.st_mode, info.st_ino, info.st_dev, 1, info.st_uid + 1) + tuple(info)[5:])
        return info

    def refuse(*args):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(writing.os, "stat", other_owner)
    monkeypatch.setattr(writing.os, "chown", refuse)
    code, _, err = fix_write(path)
    assert code == 2 and "a replacement written by this user could not keep them" in err
    assert path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".deputy-fix-")]


@pytest.mark.skipif(not hasattr(os, "link"), reason="this system has no hard links")
def test_a_hard_linked_file_is_refused(tmp_path):
    path = vulnerable(tmp_path)
    other = tmp_path / "other-name.json"
    os.link(path, other)
    before = path.read_bytes()
    code, _, err = fix_write(path)
    assert code == 2 and "the file has 2 names (hard links)" in err
    assert path.read_bytes() == other.read_bytes() == before
    assert os.path.samefile(path, other)


def test_crlf_line_endings_are_kept_on_inserted_lines(tmp_path):
    text = VULNERABLE.read_text().replace("\n", "\r\n")
    path = vulnerable(tmp_path, text=text)
    assert fix_write(path)[0] == 0
    written = path.read_bytes()
    assert b"ArnLike" in written
    assert written.count(b"\n") == written.count(b"\r\n") and written.endswith(b"}\r\n")


def test_a_missing_final_newline_stays_missing(tmp_path):
    path = vulnerable(tmp_path, text=VULNERABLE.read_text().rstrip("\n"))
    assert fix_write(path)[0] == 0
    assert path.read_bytes().endswith(b"}") and b"ArnLike" in path.read_bytes()
    path = vulnerable(tmp_path, "with-newline.json")
    assert fix_write(path)[0] == 0
    assert path.read_bytes().endswith(b"}\n")


def test_keep_layout():
    from verifier.debug.writing import keep_layout

    assert keep_layout("a\r\nb\r\n", "a\nx\nb\n") == "a\r\nx\r\nb\r\n"
    assert keep_layout("a\r\nb", "a\r\nx\nb\n") == "a\r\nx\r\nb"
    assert keep_layout("a\nb", "a\nb\n") == "a\nb"
    assert keep_layout("a\nb\n", "a\nb") == "a\nb\n"


def test_the_temporary_file_is_fsynced_with_its_final_mode_before_the_rename(tmp_path, monkeypatch):
    from verifier.debug import writing

    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(writing.os, "fsync",
                        lambda fd: (events.append(("fsync", stat.S_IMODE(os.fstat(fd).st_mode))), real_fsync(fd))[1])
    monkeypatch.setattr(writing.os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    path = vulnerable(tmp_path)
    path.chmod(0o640)
    assert fix_write(path)[0] == 0
    assert events[:2] == [("fsync", 0o640), "replace"]  # mkstemp's 0600 is not what is synced


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_a_signal_between_the_temporary_file_and_the_rename_removes_it(tmp_path, name):
    path = vulnerable(tmp_path)
    before = path.read_bytes()
    script = (
        "import os, signal, sys\n"
        "from verifier.debug import writing\n"
        f"os.replace = lambda a, b: os.kill(os.getpid(), signal.{name})\n"
        "writing.replace(sys.argv[1], 'new text')\n")
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, timeout=60)
    assert done.returncode == -getattr(signal, name), done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["policy.json"]
    assert path.read_bytes() == before and b"Traceback" not in done.stderr


def test_an_error_between_the_temporary_file_and_the_rename_removes_it(tmp_path, monkeypatch):
    from verifier.debug import writing

    path = vulnerable(tmp_path)

    def full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writing.os, "replace", full)
    code, _, err = fix_write(path)
    assert code == 2 and "cannot write" in err and "No space left on device" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["policy.json"]


def test_a_leftover_temporary_file_is_never_checked(tmp_path):
    """SIGKILL cannot be caught: what it leaves behind is skipped by a walk."""
    (tmp_path / ".deputy-fix-abc123.json").write_text('{"Statement": "half a polic')
    (tmp_path / "good.json").write_text(json.dumps(GOOD))
    code, out, _ = run("check", str(tmp_path), "--account", OWNER, "--format", "json")
    assert [os.path.basename(r["path"]) for r in json.loads(out)["results"]] == ["good.json"] and code == 0
    code, out, _ = run("check", str(tmp_path / "*.json"), str(tmp_path / ".*.json"), "--account", OWNER,
                       "--format", "json")
    assert [os.path.basename(r["path"]) for r in json.loads(out)["results"]] == ["good.json"]
