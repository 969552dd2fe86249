"""Errors raised by the storage layer."""

from __future__ import annotations


class StoreError(Exception):
    """A storage request that cannot be done: the message says which name or file and why, in one line."""

    def __str__(self) -> str:  # KeyError subclasses would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class NotFoundError(StoreError, KeyError):
    """No portfolio or market snapshot of that name (also a KeyError, so ``except KeyError`` works)."""


class NameTakenError(StoreError):
    """The target name of a save-as, rename or duplicate is already used."""


class SchemaError(StoreError):
    """The database file is not ours, or was written by a newer version of riskws."""


class RevisionConflict(StoreError):
    """A save based on revision N of a portfolio found another revision stored: someone else saved it meanwhile
    (or renamed or deleted it). Nothing was written."""

    def __init__(self, message: str, name: str, expected: int | None, found: int | None) -> None:
        super().__init__(message)
        self.name, self.expected, self.found = name, expected, found
