"""The files of some paths as they are at a git revision, read with git
itself (``ls-tree`` and ``cat-file``), without a checkout: the work tree and
the index are never touched.

``deputy check PATH... --base REF`` reads the old version of every path
this way into a temporary directory laid out like the repository, so that
the same walk and the same readers see both versions.
"""

from __future__ import annotations

import glob
import os
import subprocess
from dataclasses import dataclass

from verifier.errors import UsageError

GIT_TIMEOUT = 120.0


@dataclass(frozen=True)
class Tree:
    """``top``: the work tree's top directory; ``paths``: each path given,
    relative to ``top`` (``/`` separated)."""

    top: str
    paths: tuple[str, ...]


def locate(paths: list[str], ref: str) -> Tree:
    """The work tree the paths are in, each path relative to its top; raise
    ``UsageError`` when there is no git, no work tree, no such revision,
    or a path outside the work tree."""
    cwd = os.getcwd()
    top = _git(["rev-parse", "--show-toplevel"], cwd, "--base needs a git work tree").decode().strip()
    _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], top,
         f"--base {ref}: no such revision in {top}")
    relative = []
    for path in paths:
        rel = os.path.relpath(os.path.abspath(path), top).replace(os.sep, "/")
        if rel == ".." or rel.startswith("../"):
            raise UsageError(f"--base: {path} is not in the git work tree {top}", "deputy check")
        relative.append(rel)
    return Tree(top, tuple(relative))


def materialize(tree: Tree, ref: str, into: str) -> list[str | None]:
    """Write every file under ``tree.paths`` as it is at ``ref`` into the
    directory ``into`` (at its path from the top), and return, for each
    path given, the path to read there, or None where it does not exist at
    ``ref`` (a new path; a glob is kept as a glob)."""
    # ls-tree knows no glob pathspec: a glob's directory is copied whole, and
    # the walk expands the glob in the copy as it does in the work tree.
    specs = [":(literal)" + (_fixed_prefix(p) if glob.has_magic(p) else p) for p in tree.paths]
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", ref, "--", *specs], tree.top,
                   f"--base {ref}: git ls-tree failed")
    blobs = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, kind, oid = meta.split(b" ")
        if kind == b"blob" and mode != b"120000":  # a symbolic link is no file to read
            blobs.append((oid.decode(), os.fsdecode(name)))
    for (_, name), data in zip(blobs, _contents(tree.top, [oid for oid, _ in blobs])):
        target = os.path.join(into, *name.split("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(data)
    present = []
    for path in tree.paths:
        local = os.path.join(into, *path.split("/")) if path != "." else into
        present.append(local if glob.has_magic(path) or os.path.exists(local) else None)
    return present


def _fixed_prefix(pattern: str) -> str:
    parts = pattern.split("/")
    fixed = []
    for part in parts:
        if glob.has_magic(part):
            break
        fixed.append(part)
    return "/".join(fixed) or "."


def _contents(top: str, oids: list[str]) -> list[bytes]:
    """The blobs' contents, in order, from one ``git cat-file --batch``."""
    if not oids:
        return []
    data = _git(["cat-file", "--batch"], top, "git cat-file failed", ("\n".join(oids) + "\n").encode())
    out, at = [], 0
    for _ in oids:
        header_end = data.index(b"\n", at)
        size = int(data[at:header_end].split(b" ")[2])
        out.append(data[header_end + 1: header_end + 1 + size])
        at = header_end + 1 + size + 1
    return out


def _git(arguments: list[str], cwd: str, failure: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(["git", "-C", cwd, *arguments], input=stdin, capture_output=True,
                              timeout=GIT_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise UsageError(f"{failure}: cannot run git ({exc})", "deputy check") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(failure + (f" ({said[-1]})" if said else ""), "deputy check")
    return done.stdout
