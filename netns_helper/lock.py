# SPDX-License-Identifier: GPL-3.0-or-later
"""One start or stop of a namespace at a time: flock on /run/netns-helper/NAME.lock."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .facts import Paths

WAIT_SECONDS = 60.0


class Busy(Exception):
    """Another start or stop of the namespace held its lock for longer than we wait (or it is not ours)."""


def lock_path(paths: Paths, netns: str) -> str:
    return f"{paths.run}/netns-helper/{netns}.lock"


@contextmanager
def locked(paths: Paths, netns: str, wait: float = WAIT_SECONDS) -> Iterator[None]:
    """Hold NETNS's lock; the file is removed on release, so nothing is left between operations.

    Removing a lock file races with a process that opened it just before: after locking,
    we check that the path still names the file we locked, and start over if not.
    """
    path = lock_path(paths, netns)
    directory, name = os.path.split(path)
    os.makedirs(directory, mode=0o755, exist_ok=True)
    # Everything relative to the opened directory, which must not be a symlink: what we lock,
    # check and remove is always the entry in that directory.
    try:
        dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as e:
        raise Busy(f"cannot lock namespace {netns}: {directory}: {e.strerror} (a symbolic link?)") from None
    try:
        fd = _lock(dir_fd, name, path, netns, wait)
        try:
            yield
        finally:
            os.unlink(name, dir_fd=dir_fd)
            os.close(fd)
    finally:
        os.close(dir_fd)


def _lock(dir_fd: int, name: str, path: str, netns: str, wait: float) -> int:
    deadline = time.monotonic() + wait
    delay = 0.001
    while True:
        try:
            # Never through a symlink: a planted one would make root create or truncate its target.
            fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600, dir_fd=dir_fd)
        except OSError as e:
            raise Busy(f"cannot lock namespace {netns}: {path}: {e.strerror} (not a regular file of ours?)") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                raise Busy(
                    f"namespace {netns} is busy: another start or stop holds {path} (waited {wait:.0f} s)"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
            continue
        if _same_file(fd, dir_fd, name):
            return fd
        os.close(fd)


def _same_file(fd: int, dir_fd: int, name: str) -> bool:
    try:
        here = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (mine.st_dev, mine.st_ino)
