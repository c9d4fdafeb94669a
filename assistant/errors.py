"""Trade Desk's exceptions (defined in ``vectorstore.errors``, the lowest layer, re-exported)."""

from vectorstore.errors import (
    AssistantError,
    BackendError,
    ConfigError,
    FetchError,
    IngestError,
    IngestLockedError,
    LoaderError,
    ModelMismatchError,
    QuestionError,
    StoreError,
)

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
