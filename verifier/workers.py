"""Worker processes for ``deputy check -j N`` that one lost worker cannot
sink.

``concurrent.futures`` fails every pending job once one worker dies
(``BrokenProcessPool``), so a worker the system kills (the OOM killer, a
SIGKILL) would cost the verdicts of the whole run. Here the parent deals
jobs to its workers itself, over one pipe each, and so always knows which
jobs each worker holds: when a worker dies, the job it was running gets
``lost(job, cause)`` as its result, the jobs queued behind it are dealt
again, and a new worker takes its place.

Workers ignore SIGINT: Ctrl-C reaches the whole process group, and only
the parent should answer it (it stops the workers and lets the
``KeyboardInterrupt`` through), so no worker prints a traceback.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from multiprocessing.connection import wait

MOST = 4
"""Workers ``deputy check`` starts by itself, at most: each holds its own
caches (about 100 MB on a large repository), and past four the parent,
which reads every result, gains little."""

FILES_EACH = 8
"""Files per worker, at least, before another is started by default: a
worker costs a fork and its first policy's tables, about what a few small
files take to check."""


def default_jobs(files: int) -> int:
    """The workers for ``files`` files when ``-j`` is not given: one per CPU
    this process may use, at most ``MOST``, and only as many as have
    ``FILES_EACH`` files each (one file, or a pre-commit hook's few, runs in
    the process itself)."""
    return max(1, min(available_cpus(), MOST, files // FILES_EACH))


def available_cpus() -> int:
    """The CPUs this process may run on: its affinity, bounded by a
    container's CPU quota (cgroup v2 or v1), where either is set."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    quota = _cgroup_quota()
    return max(1, min(count, quota) if quota else count)


def _cgroup_quota(root: str = "/sys/fs/cgroup") -> int | None:
    for path, period_path in ((f"{root}/cpu.max", None),
                              (f"{root}/cpu/cpu.cfs_quota_us", f"{root}/cpu/cpu.cfs_period_us")):
        try:
            with open(path, encoding="ascii") as handle:
                fields = handle.read().split()
            if period_path is not None:
                with open(period_path, encoding="ascii") as handle:
                    fields = fields[:1] + handle.read().split()[:1]
            quota, period = int(fields[0]), int(fields[1])
        except (OSError, ValueError, IndexError):  # "max", -1 or no such file: no quota
            continue
        if quota > 0 and period > 0:
            return max(1, quota // period)
    return None


def run(function, jobs: list, workers: int, lost, done=None, ahead: int = 2) -> list:
    """``[function(job) for job in jobs]``, computed by up to ``workers``
    processes. ``lost(job, cause)`` stands for the result of a job whose
    worker died while running it (``cause`` says how, in words);
    ``done(index)`` is called as each job's result arrives.

    ``ahead``: the jobs a worker holds at once. Two (the one it runs and
    the next) spare it a wait for the parent between jobs, but only small
    jobs may be sent ahead: a worker sending a large result and a parent
    sending it a large job would each wait for the other to read. Jobs
    that are whole parsed documents go one at a time (``ahead=1``)."""
    context = _context()
    results: list = [None] * len(jobs)
    todo = deque(range(len(jobs)))
    pool: list[_Worker] = []
    try:
        while todo or any(w.held for w in pool):
            for worker in pool:
                if not worker.held and not worker.process.is_alive():  # died idle: nothing of it is lost
                    worker.stop()
            pool = [w for w in pool if w.alive]
            while len(pool) < min(workers, len(jobs)) and (todo or not pool):
                pool.append(_Worker(context, function))
            for worker in pool:
                while todo and len(worker.held) < ahead and worker.give(todo, jobs):
                    pass
            for index, outcome in _collect(pool, jobs, lost, todo):
                results[index] = outcome
                if done:
                    done(index)
    finally:
        for worker in pool:
            worker.stop()
    return results


def _collect(pool: list, jobs: list, lost, todo: deque):
    """The results that arrive next; a dead worker's running job is lost,
    its queued ones go back to the front of ``todo``."""
    handles = {}
    for worker in pool:
        if worker.held:
            handles[worker.conn] = handles[worker.process.sentinel] = worker
    out = []
    if not handles:
        return out
    for worker in dict.fromkeys(handles[h] for h in wait(list(handles))):
        dead = False
        while worker.held and not dead:
            try:
                if not worker.conn.poll():
                    break
                index, ok, outcome = worker.conn.recv()
            except (EOFError, OSError):  # the worker is gone, perhaps in the middle of a message
                dead = True
                break
            worker.held.remove(index)
            out.append((index, outcome if ok else lost(jobs[index], f"the worker process failed: {outcome}")))
        if worker.held and (dead or not worker.process.is_alive()):
            running, *queued = worker.held
            out.append((running, lost(jobs[running], worker.cause())))
            todo.extendleft(reversed(queued))
            worker.held = []
            worker.stop()
    return out


class _Worker:
    def __init__(self, context, function):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, function), daemon=True)
        self.process.start()
        child.close()
        self.held: list[int] = []
        self.alive = True

    def give(self, todo: deque, jobs: list) -> bool:
        """Send the next job; False (the job back in ``todo``) when the
        worker is gone (its death is dealt with once seen)."""
        index = todo.popleft()
        try:
            self.conn.send((index, jobs[index]))
        except (OSError, ValueError):
            todo.appendleft(index)
            return False
        self.held.append(index)
        return True

    def cause(self) -> str:
        self.process.join(1)
        code = self.process.exitcode
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            hint = " (the system may have run out of memory)" if name == "SIGKILL" else ""
            return f"the worker process checking it was killed by {name}{hint}"
        return f"the worker process checking it ended unexpectedly (exit code {code})"

    def stop(self) -> None:
        if not self.alive:
            return
        self.alive = False
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(0.05)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(1)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def _serve(conn, function) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        index, item = job
        try:
            outcome = function(item)
            conn.send((index, True, outcome))
        except Exception as exc:  # noqa: BLE001 - said to the parent, not printed here
            conn.send((index, False, f"{type(exc).__name__}: {exc}"))


def forks() -> bool:
    """Whether workers are forked (and so inherit what the parent built)."""
    return _context().get_start_method() == "fork"


def _context():
    """fork where there is one: workers inherit the parent's grammar, tables
    and warmed caches instead of building them again."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")
