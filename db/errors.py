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
