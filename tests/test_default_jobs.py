"""How many worker processes ``deputy check`` starts when ``-j`` is not
given: one per CPU the process may use, bounded by a container's quota, at
most ``workers.MOST``, and none for a handful of files."""

from __future__ import annotations

import io
import json

import pytest

from tests.builders import OWNER
from verifier import cli, workers


@pytest.mark.parametrize("cpus, files, expected", [
    (2, 1, 1), (2, 15, 1), (2, 16, 2), (2, 1000, 2),
    (8, 24, 3), (8, 1000, workers.MOST), (1, 1000, 1),
])
def test_default_jobs(monkeypatch, cpus, files, expected):
    monkeypatch.setattr(workers, "available_cpus", lambda: cpus)
    assert workers.default_jobs(files) == expected


def _write(root, name, text):
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.mark.parametrize("files, expected", [
    ({"cpu.max": "200000 100000\n"}, 2),
    ({"cpu.max": "150000 100000\n"}, 1),
    ({"cpu.max": "50000 100000\n"}, 1),
    ({"cpu.max": "max 100000\n"}, None),
    ({"cpu/cpu.cfs_quota_us": "300000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 3),
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
    ({}, None),
])
def test_a_containers_cpu_quota_bounds_the_workers(tmp_path, files, expected):
    for name, text in files.items():
        _write(tmp_path, name, text)
    assert workers._cgroup_quota(str(tmp_path)) == expected


def test_the_quota_and_the_affinity_each_bound_the_cpus(monkeypatch):
    monkeypatch.setattr(workers.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    monkeypatch.setattr(workers, "_cgroup_quota", lambda: 2)
    assert workers.available_cpus() == 2
    monkeypatch.setattr(workers, "_cgroup_quota", lambda: None)
    assert workers.available_cpus() == 4
    monkeypatch.setattr(workers, "_cgroup_quota", lambda: 16)
    assert workers.available_cpus() == 4


_POLICY = """{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": "*",
  "Condition": {"StringEquals": {"aws:SourceAccount": "%s"}}}]}"""


def _run(argv):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _without_seconds(text: str) -> list:
    return [{k: v for k, v in r.items() if k not in ("seconds", "deputies")} for r in json.loads(text)["results"]]


@pytest.mark.parametrize("count, workers_expected", [(3, None), (20, 2)])
def test_without_j_workers_check_a_directory_only_when_it_is_large(tmp_path, monkeypatch, count, workers_expected):
    """The same report whether the default starts workers or not, and workers only for many files."""
    for i in range(count):
        # alternately safe (the owner's account) and vulnerable (another's)
        (tmp_path / f"p{i:02}.json").write_text(_POLICY % (OWNER if i % 2 else "444455556666"))
    monkeypatch.setattr(workers, "available_cpus", lambda: 2)
    started = []
    real_run = workers.run
    monkeypatch.setattr(workers, "run", lambda *a, **k: started.append(a[2]) or real_run(*a, **k))
    code, out, _ = _run(["check", str(tmp_path), "--account", OWNER, "--format", "json"])
    assert started == ([] if workers_expected is None else [workers_expected])
    monkeypatch.setattr(workers, "run", real_run)
    code1, out1, _ = _run(["check", str(tmp_path), "--account", OWNER, "--format", "json", "-j", "1"])
    assert code == code1 == 1
    assert _without_seconds(out) == _without_seconds(out1)
    assert [r["verdict"] for r in _without_seconds(out)] == ["vulnerable" if i % 2 == 0 else "safe" for i in range(count)]
