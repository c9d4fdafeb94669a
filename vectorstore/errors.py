"""The one family of exceptions that Trade Desk raises.

It lives in the lowest layer so that every layer (``vectorstore``, ``ingest``,
``assistant``) raises the same types; ``assistant`` re-exports them. Every
message names the cause and the fix.
"""

from __future__ import annotations

__all__ = [
    "AssistantError",
    "BackendError",
    "ConfigError",
    "FetchError",
    "IngestError",
    "IngestLockedError",
    "LoaderError",
    "ModelMismatchError",
    "QuestionError",
    "StoreError",
]


class AssistantError(Exception):
    """Base class of every error a Trade Desk user can hit."""


class ConfigError(AssistantError, ValueError):
    """A setting or constructor argument is invalid."""


class StoreError(AssistantError):
    """The vector store or the ingest records cannot be opened, read or written."""


class ModelMismatchError(StoreError):
    """The collection was built with another embedding model than the configured one."""


class IngestError(AssistantError):
    """An ingest run could not proceed."""


class IngestLockedError(IngestError):
    """Another ingest holds the store's lock."""


class LoaderError(IngestError):
    """One input file (or feed line) was rejected; the reason is the message."""


class FetchError(LoaderError):
    """A URL was refused (scheme, address, size, type) or could not be fetched.

    ``retry`` is True when trying again later may work (a timeout, a server error),
    False when the input itself is wrong (a refused address, a non-text type).
    """

    def __init__(self, message: str, *, retry: bool = False) -> None:
        super().__init__(message)
        self.retry = retry


class BackendError(AssistantError):
    """The answer backend (a local or remote LLM) failed."""


class QuestionError(AssistantError, ValueError):
    """The question itself is unusable (empty, too long, bad filter)."""
