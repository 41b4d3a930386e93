"""File changes a promotion makes: shown as unified diffs, written in a transaction that can
be undone (files created removed with the directories made for them, files changed given
back their old bytes)."""

from __future__ import annotations

import contextlib
import difflib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class FileChange:
    path: Path  # absolute
    display: str  # as the user sees it: relative to the repository root
    before: bytes | None  # None: the file is created
    after: bytes
    mode: int | None = None  # permission bits for a created file (a copy keeps its source's)

    @property
    def created(self) -> bool:
        return self.before is None

    def diff(self) -> str:
        """A unified diff, or one line for a file that is not UTF-8 text."""
        try:
            old = (self.before or b"").decode("utf-8").splitlines(keepends=True)
            new = self.after.decode("utf-8").splitlines(keepends=True)
        except UnicodeDecodeError:
            verb = "create" if self.created else "change"
            return f"binary file {self.display}: {verb}, {len(self.after)} bytes\n"
        source = "/dev/null" if self.created else f"a/{self.display}"
        lines = difflib.unified_diff(old, new, source, f"b/{self.display}")
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@dataclass
class Transaction:
    """Writes changes one by one, remembering how to undo each."""

    done: list[FileChange] = field(default_factory=list)
    made_dirs: list[Path] = field(default_factory=list)
    watched: dict[Path, set[str]] = field(default_factory=dict)

    def watch(self, directory: Path) -> None:
        """Entries new in ``directory`` at rollback are removed too: what the smoke test run
        left there (``.benchmarks``, ``.hypothesis``), the repository being as it was."""
        self.watched[directory] = {entry.name for entry in directory.iterdir()}

    def write(self, change: FileChange) -> None:
        """Raises OSError, or ValueError when the file changed since the plan was made."""
        current = change.path.read_bytes() if change.path.exists() else None
        if current != change.before:
            raise ValueError(f"{change.display} changed while the promotion was planned")
        self._make_parents(change.path.parent)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed before the rename
            dir=change.path.parent, prefix=".promote-", delete=False
        )
        temp = Path(handle.name)
        try:
            with handle:
                handle.write(change.after)
            mode = change.mode if change.created else change.path.stat().st_mode
            if mode is not None:
                temp.chmod(mode & 0o7777)
            temp.replace(change.path)
        finally:
            temp.unlink(missing_ok=True)
        self.done.append(change)

    def _make_parents(self, directory: Path) -> None:
        missing = []
        while not directory.exists():
            missing.append(directory)
            directory = directory.parent
        for path in reversed(missing):
            path.mkdir()
            self.made_dirs.append(path)

    def rollback(self) -> list[str]:
        """Undo every write, newest first; the answer lists what could not be undone."""
        failed = []
        for change in reversed(self.done):
            try:
                if change.before is None:
                    change.path.unlink(missing_ok=True)
                else:
                    change.path.write_bytes(change.before)
            except OSError as exc:
                failed.append(f"{change.display}: {exc}")
        made = list(reversed(self.made_dirs))
        for directory, before in self.watched.items():
            made += [e for e in directory.iterdir() if e.name not in before]
        for path in made:
            with contextlib.suppress(FileNotFoundError):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)  # made by this promotion, with whatever ran in it
                else:
                    path.unlink()
        self.done.clear()
        self.made_dirs.clear()
        return failed


def file_mode(path: Path) -> int | None:
    try:
        return os.stat(path).st_mode  # noqa: PTH116 - the mode of a file being copied
    except OSError:
        return None
