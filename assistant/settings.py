"""All settings in one pydantic-settings object, read from ``TRADEDESK_*`` environment variables.

Only this module reads the environment. Everything else receives a ``Settings``
(or plain arguments taken from one).
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vectorstore.errors import ConfigError

__all__ = ["Settings", "load_settings"]


class Settings(BaseSettings):
    """Trade Desk configuration; every field is also ``TRADEDESK_<FIELD>`` in the environment."""

    model_config = SettingsConfigDict(
        env_prefix="TRADEDESK_", extra="ignore", validate_default=True, frozen=True
    )

    # -- storage ---------------------------------------------------------------------
    home: Path = Field(
        default=Path("~/.tradedesk"),
        description="Data folder: Chroma store, ingest records, lexical index, uploads.",
    )
    chroma_host: str | None = Field(
        default=None, description="Chroma server host; unset = embedded store under home."
    )
    chroma_port: int = Field(default=8000, ge=1, le=65535, description="Chroma server port.")
    chroma_ssl: bool = Field(default=False, description="Reach the Chroma server over https.")
    chroma_token: SecretStr | None = Field(
        default=None,
        description="Sent as X-Chroma-Token (and Authorization: Bearer) to the Chroma server.",
    )
    collection: str = Field(default="tradedesk", description="Chroma collection name.")

    # -- embeddings and chunking -----------------------------------------------------
    embedding_model: str = Field(
        default="all-MiniLM-L6-v2",
        description="'all-MiniLM-L6-v2' (packaged copy) or a local sentence-transformers folder.",
    )
    embedding_precision: Literal["auto", "fp32", "bf16"] = "auto"
    embedding_batch_size: int = Field(default=16, ge=1, le=1024)
    query_encoder: Literal["auto", "torch", "onnx"] = Field(
        default="auto",
        description="Embeds questions: ONNX (fast start, low latency; exported once) or torch.",
    )
    chunk_words: int = Field(default=160, ge=20, le=1000, description="Target words per chunk.")
    chunk_max_words: int = Field(default=200, ge=20, le=2000, description="Most words per chunk.")
    chunk_overlap: int = Field(default=1, ge=0, le=5, description="Sentences shared by chunks.")

    # -- ingest ----------------------------------------------------------------------
    max_file_mb: float = Field(default=50.0, gt=0, le=2048, description="Largest file accepted.")
    ingest_lock_timeout: float = Field(
        default=600.0, ge=0, description="Seconds a second ingest waits for the first."
    )
    max_upload_files: int = Field(default=20, ge=1, le=1000, description="Files per upload.")
    library_dir: Path | None = Field(
        default=None, description="Folder the app's 'Re-ingest library folder' button ingests."
    )
    dedup_threshold: float = Field(
        default=0.5, ge=0.1, le=1.0,
        description="Estimated Jaccard similarity of word 3-shingles from which two articles "
        "are copies of one story (also dated within dedup_window_days, figures agreeing).",
    )
    dedup_window_days: int = Field(
        default=3, ge=0, le=3650,
        description="Copies of one story are dated at most this many days apart.",
    )

    # -- the web: URLs, feeds and the watcher -------------------------------------------
    web_timeout: float = Field(
        default=20.0, gt=0, le=600,
        description="Seconds per network operation of a fetch (the whole fetch: 3x this).",
    )
    web_max_mb: float = Field(
        default=10.0, gt=0, le=2048, description="Largest page or feed read (MB, decoded)."
    )
    web_max_redirects: int = Field(
        default=3, ge=0, le=10, description="Redirects followed at most per fetch."
    )
    web_allow_hosts: str | None = Field(
        default=None,
        description="Comma-separated hosts, addresses or networks that may be private "
        "(e.g. 127.0.0.1 or 10.0.0.0/8); every other address must be public.",
    )
    web_user_agent: str = Field(
        default="TradeDesk/0.1 (feed reader)", min_length=1, max_length=200,
        description="User-Agent header of every fetch.",
    )
    feed_fetch_pages: bool = Field(
        default=True,
        description="When a feed entry has only a summary, fetch its linked page and ingest "
        "the page's main text (false: the summary is the article).",
    )
    feed_max_entries: int = Field(
        default=200, ge=1, le=10000, description="Entries read per feed per poll."
    )
    opml_max_feeds: int = Field(
        default=100, ge=1, le=10000, description="Feeds read per OPML list."
    )
    watch_interval: float = Field(
        default=900.0, ge=1, le=7 * 86400,
        description="Seconds between polls of `tradedesk watch` (and the first backoff step).",
    )
    watch_max_backoff: float = Field(
        default=6 * 3600.0, ge=1, le=30 * 86400,
        description="Longest wait before a failing source is tried again (seconds).",
    )

    # -- answering -------------------------------------------------------------------
    llm: Literal["extractive", "llamacpp", "openai"] = Field(
        default="extractive", description="Answer backend."
    )
    llm_model: str | None = Field(
        default=None,
        description="GGUF path (llamacpp; default: packaged SmolLM2) or model name (openai).",
    )
    llm_base_url: str | None = Field(
        default=None, description="OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1."
    )
    llm_api_key: SecretStr | None = Field(default=None, description="API key (openai backend).")
    llm_timeout: float = Field(default=60.0, gt=0, le=3600, description="Seconds per LLM call.")
    llm_max_tokens: int = Field(default=256, ge=16, le=8192, description="Tokens per answer.")
    llm_context_tokens: int = Field(
        default=2048, ge=256, le=131072, description="Context window of the local model."
    )
    llm_threads: int = Field(default=2, ge=1, le=256, description="CPU threads of llama.cpp.")
    top_k: int = Field(default=8, ge=1, le=20, description="Passages given to the answer step.")
    max_question_chars: int = Field(default=1000, ge=10, le=20000)

    # -- serving (tradedesk serve / tradedesk mcp) -------------------------------------
    serve_host: str = Field(
        default="127.0.0.1", description="Address `tradedesk serve` binds (only this machine)."
    )
    serve_port: int = Field(default=8765, ge=1, le=65535, description="Port of the HTTP API.")
    api_keys: SecretStr | None = Field(
        default=None,
        description="Comma-separated API keys; when set every route but health needs one. "
        "Write routes always need one.",
    )
    serve_workers: int = Field(
        default=2, ge=1, le=64, description="Questions answered at the same time by the API."
    )
    serve_queue: int = Field(
        default=8, ge=0, le=1024, description="Questions waiting for a worker before 429."
    )
    serve_max_body_mb: float = Field(
        default=25.0, gt=0, le=2048, description="Largest request body (uploads included)."
    )
    serve_timeout: float = Field(
        default=120.0, gt=0, le=3600, description="Seconds one answer may take before 504."
    )
    serve_ingest_wait: float = Field(
        default=0.0, ge=0, le=3600, description="Seconds an API ingest waits for the lock."
    )

    # -- users (whose conversations the app shows) -------------------------------------
    trust_user_header: bool = Field(
        default=False,
        description="Take the app's user from the user_header request header (only behind "
        "an authenticating proxy that sets it).",
    )
    user_header: str = Field(
        default="X-Forwarded-User",
        pattern=r"^[A-Za-z0-9-]{1,100}$",
        description="The header an authenticating proxy puts the user's name in.",
    )

    @field_validator("home", "library_dir", mode="after")
    @classmethod
    def _expand_home(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @field_validator("collection")
    @classmethod
    def _check_collection(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{1,510}[A-Za-z0-9]", value):
            raise ValueError(
                f"collection={value!r} is not a valid Chroma collection name: 3-512 characters "
                "from [a-zA-Z0-9._-], starting and ending with a letter or digit"
            )
        return value

    @property
    def web_allow(self) -> tuple[str, ...]:
        """``web_allow_hosts`` as a tuple of hosts, addresses and networks."""
        raw = self.web_allow_hosts or ""
        return tuple(h.strip() for h in raw.split(",") if h.strip())

    @field_validator("chroma_host", "llm_base_url", "llm_model", "web_allow_hosts")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check_relations(self) -> Settings:
        if self.chunk_words > self.chunk_max_words:
            raise ValueError(
                f"TRADEDESK_CHUNK_WORDS={self.chunk_words} must not exceed "
                f"TRADEDESK_CHUNK_MAX_WORDS={self.chunk_max_words}"
            )
        for host in self.web_allow:
            try:
                ipaddress.ip_network(host.strip("[]"), strict=False)
            except ValueError:
                if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,252})", host):
                    raise ValueError(
                        f"TRADEDESK_WEB_ALLOW_HOSTS: {host!r} is not a host name, an address "
                        "or a network (e.g. 127.0.0.1, 10.0.0.0/8, intranet.example)"
                    ) from None
        if self.llm == "openai" and not self.llm_base_url:
            raise ValueError(
                "TRADEDESK_LLM=openai needs TRADEDESK_LLM_BASE_URL, e.g. "
                "http://127.0.0.1:11434/v1 for Ollama"
            )
        return self

    # -- derived locations -----------------------------------------------------------

    @property
    def store_key(self) -> str:
        """Names this store's records, index and lock (collection, plus server if any)."""
        if self.chroma_host:
            host = re.sub(r"[^A-Za-z0-9.-]+", "_", self.chroma_host)
            return f"{self.collection}@{host}_{self.chroma_port}"
        return self.collection

    @property
    def chroma_dir(self) -> Path:
        """Folder of the embedded Chroma store."""
        return self.home / "chroma"

    @property
    def records_path(self) -> Path:
        """SQLite file of the ingest records."""
        return self.home / "records" / f"{self.store_key}.sqlite"

    @property
    def conversations_path(self) -> Path:
        """SQLite file of the saved conversations and their feedback."""
        return self.home / "conversations" / f"{self.store_key}.sqlite"

    @property
    def lexical_dir(self) -> Path:
        """Folder of the persisted BM25 index."""
        return self.home / "lexical" / self.store_key

    @property
    def lock_path(self) -> Path:
        """File lock that serialises ingests."""
        return self.home / "locks" / f"{self.store_key}.lock"

    @property
    def models_dir(self) -> Path:
        """Where the ONNX export of the embedding model is kept."""
        return self.home / "models"

    @property
    def uploads_dir(self) -> Path:
        """Where uploaded files are stored (under generated names)."""
        return self.home / "uploads"


def load_settings(**overrides: Any) -> Settings:
    """Build ``Settings`` from the environment plus ``overrides``, with readable errors.

    Raises:
        ConfigError: a value is invalid; the message names the variable and the problem.
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"])
            msg = str(err["msg"]).removeprefix("Value error, ")
            if not field:  # a check across fields: the message names the variables
                problems.append(msg)
                continue
            given = err.get("input")
            shown = "" if isinstance(given, dict) else f" (got {given!r})"
            problems.append(f"TRADEDESK_{field.upper()}{shown}: {msg}")
        raise ConfigError("Invalid Trade Desk settings: " + "; ".join(problems)) from exc
