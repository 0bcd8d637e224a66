"""One error type for bad user input: it names the file and the field at fault."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Bad input (config, constitution, split spec, dataset, checkpoint).

    The CLI prints ``str(err)`` as one line and exits non-zero.
    """

    def __init__(self, file: str | Path | None, field: str | None, message: str) -> None:
        self.file = str(file) if file is not None else None
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __reduce__(self):  # crosses process boundaries whole (a compare worker's error reaches the CLI)
        return (type(self), (self.file, self.field, self.message))

    def __str__(self) -> str:
        where = ": ".join(p for p in (self.file, self.field) if p)
        return f"{where}: {self.message}" if where else self.message
