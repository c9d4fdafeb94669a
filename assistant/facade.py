"""The ``Assistant`` facade: the one object that the UI, the CLI and users import."""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from filelock import FileLock
from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable

from assistant.answer import Answer
from assistant.answering.chain import AnswerChunk, build_chain
from assistant.answering.sources.extractive import ExtractiveSource
from assistant.answering.sources.ledger import (
    Conflict,
    FigureSeries,
    FiguresPage,
    Ledger,
    LedgerSource,
)
from assistant.conversations import ConversationStore, Turn
from assistant.retrieval import Filters, HybridRetriever
from assistant.settings import Settings, load_settings
from ingest.chunking import SentenceChunker
from ingest.maintenance import DoctorReport, Maintenance
from ingest.models import ArticleInfo, Document, Failure, IngestReport
from ingest.pipeline import Ingestor, Progress, ProgressFn
from ingest.records import LogRow, Records, WatchedSource
from ingest.text.facts import Fact
from ingest.text.tokens import TOKENIZER_VERSION, tokenize
from ingest.web import Fetcher, FetchPolicy, Poller, PollReport, Watcher, WebReader, check_url
from ingest.web.fetch import normalise_url
from vectorstore.embeddings import Embedder
from vectorstore.errors import (
    AssistantError,
    BackendError,
    ConfigError,
    FetchError,
    QuestionError,
)
from vectorstore.lexical import LexicalIndex
from vectorstore.store import ChromaStore

__all__ = ["Assistant"]

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def _is_url(item: str | Path) -> bool:
    """A string that names a URL (any scheme: the fetcher refuses all but http(s))."""
    return isinstance(item, str) and bool(_URL.match(item.strip()))


def _country_name(text: str | None) -> str | None:
    """User input such as "turkish" as the ledger's country name (or as given)."""
    if not text:
        return None
    from ingest.text.gazetteer import countries

    found = countries(text[:1].upper() + text[1:])
    return sorted(found)[0] if found else text


class Assistant:
    """Ingest trade articles and answer questions about them with citations.

    Args:
        settings: configuration; None reads ``TRADEDESK_*`` environment variables.
        embedder: an already-loaded embedder to share (tests, several assistants).
    """

    def __init__(self, settings: Settings | None = None, *, embedder: Embedder | None = None):
        if settings is not None and not isinstance(settings, Settings):
            raise TypeError(f"settings must be a Settings, got {type(settings).__name__}")
        self.settings = settings or load_settings()
        s = self.settings
        self.embedder = embedder or Embedder(
            s.embedding_model,
            precision=s.embedding_precision,
            batch_size=s.embedding_batch_size,
            onnx_dir=s.models_dir,
            query_encoder=s.query_encoder,
        )
        self.store = ChromaStore(
            self.embedder,
            collection=s.collection,
            path=None if s.chroma_host else s.chroma_dir,
            host=s.chroma_host,
            port=s.chroma_port,
            ssl=s.chroma_ssl,
            token=s.chroma_token.get_secret_value() if s.chroma_token else None,
        )
        self.records = Records(s.records_path)
        self.chunker = SentenceChunker(
            lambda texts: self.embedder.count_tokens(texts, special=False),
            max_tokens=self.embedder.max_seq_length,
            target_words=s.chunk_words,
            max_words=s.chunk_max_words,
            overlap=s.chunk_overlap,
        )
        self.ingestor = Ingestor(
            self.store,
            self.records,
            self.chunker,
            lock_path=s.lock_path,
            max_file_bytes=int(s.max_file_mb * 1_000_000),
            lock_timeout=s.ingest_lock_timeout,
            dedup_threshold=s.dedup_threshold,
            dedup_window_days=s.dedup_window_days,
        )
        self.fetcher = Fetcher(
            FetchPolicy(
                timeout=s.web_timeout,
                max_bytes=int(s.web_max_mb * 1_000_000),
                max_redirects=s.web_max_redirects,
                allow=s.web_allow,
                user_agent=s.web_user_agent,
            )
        )
        self.web = WebReader(
            self.fetcher,
            fetch_pages=s.feed_fetch_pages,
            max_entries=s.feed_max_entries,
            max_feeds=s.opml_max_feeds,
        )
        self.poller = Poller(
            self.ingestor, self.records, self.web,
            interval=s.watch_interval, max_backoff=s.watch_max_backoff,
        )
        self.lexical = LexicalIndex(s.lexical_dir, tokenize, TOKENIZER_VERSION)
        self.maintenance = Maintenance(self.ingestor, self.lexical, uploads_dir=s.uploads_dir)
        self._sync_lock = threading.Lock()
        # The records version this process's store client has seen (shared by siblings).
        self._seen: dict[str, int | None] = {"version": None}
        self.retriever = HybridRetriever(
            store=self.store,
            lexical=self.lexical,
            records=self.records,
            k=s.top_k,
            before_search=self.refresh,
        )
        self.extractive = ExtractiveSource(
            self.embedder, idf=self.lexical.idf, known=self.lexical.known
        )
        self.ledger = Ledger(self.records)
        self._chain: Runnable[dict[str, Any], AnswerChunk] | None = None
        self._chain_lock = threading.Lock()
        self.conversations = ConversationStore(s.conversations_path)

    # -- answering -----------------------------------------------------------------------

    _ANSWER_SETTINGS = frozenset(
        {"llm", "llm_model", "llm_base_url", "llm_api_key", "llm_timeout", "llm_max_tokens",
         "llm_context_tokens", "llm_threads", "top_k", "max_question_chars"}
    )

    def with_settings(self, **changes: Any) -> Assistant:
        """A sibling Assistant with other answer settings, sharing model, store and indexes.

        Only answer-side settings can change (backend, LLM options, top_k).

        Raises:
            ConfigError: a storage setting was given, or a value is invalid.
        """
        wrong = set(changes) - self._ANSWER_SETTINGS
        if wrong:
            raise ConfigError(
                f"with_settings() only changes answer settings; got {sorted(wrong)}. "
                "Build a new Assistant for another store."
            )
        from pydantic import ValidationError

        try:
            settings = Settings.model_validate({**self.settings.model_dump(), **changes})
        except ValidationError as exc:
            problem = exc.errors()[0]["msg"]
            raise ConfigError(f"Invalid answer settings {changes!r}: {problem}") from exc
        sibling = copy.copy(self)
        sibling.settings = settings
        sibling._chain = None
        sibling._chain_lock = threading.Lock()
        return sibling

    def llm(self) -> BaseChatModel | None:
        """The chat model of the configured backend (None for ``extractive``)."""
        s = self.settings
        if s.llm == "extractive":
            return None
        if s.llm == "llamacpp":
            from assistant.answering.sources.llm import LlamaCppChat, default_gguf

            return LlamaCppChat(
                model_path=s.llm_model or str(default_gguf()),
                n_ctx=s.llm_context_tokens,
                n_threads=s.llm_threads,
                max_tokens=s.llm_max_tokens,
                timeout=s.llm_timeout,
            )
        from assistant.answering.sources.llm import make_openai

        assert s.llm_base_url is not None  # checked by Settings
        return make_openai(
            base_url=s.llm_base_url,
            model=s.llm_model,
            api_key=s.llm_api_key.get_secret_value() if s.llm_api_key else None,
            timeout=s.llm_timeout,
            max_tokens=s.llm_max_tokens,
        )

    @property
    def chain(self) -> Runnable[dict[str, Any], AnswerChunk]:
        """The LCEL chain condense -> retrieve -> answer -> cite/verify (built once)."""
        with self._chain_lock:
            if self._chain is None:
                s = self.settings
                # Passage budget: the context window minus the answer and the prompt.
                chars = max(1500, int((s.llm_context_tokens - s.llm_max_tokens - 300) * 3.2))
                self._chain = build_chain(
                    self.retriever,
                    self.extractive,
                    self.llm(),
                    backend_name=s.llm,
                    context_chars=chars,
                    ledger=LedgerSource(
                        self.ledger, self.records, also_reported=self.retriever.also_reported
                    ),
                )
            return self._chain

    def _inputs(
        self,
        question: str,
        history: Sequence[tuple[str, str]] | None,
        k: int | None,
        article_ids: Sequence[str] | None,
        date_from: str | None,
        date_to: str | None,
    ) -> dict[str, Any]:
        if not isinstance(question, str) or not question.strip():
            raise QuestionError("The question is empty: type a question about the articles.")
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise QuestionError(
                f"The question is {len(question)} characters long; the limit is {limit} "
                "(TRADEDESK_MAX_QUESTION_CHARS). Shorten it or ask in parts."
            )
        if k is not None and not 1 <= k <= 20:
            raise QuestionError(f"k={k!r} must be between 1 and 20 passages.")
        turns: list[tuple[str, str]] = []
        for turn in history or []:
            if (
                not isinstance(turn, tuple | list)
                or len(turn) != 2
                or turn[0] not in ("user", "assistant")
                or not isinstance(turn[1], str)
            ):
                raise QuestionError(
                    f"history must be a list of (role, text) with role 'user' or 'assistant'; "
                    f"got {turn!r}."
                )
            turns.append((turn[0], turn[1][: limit * 4]))
        filters = Filters(
            article_ids=tuple(article_ids or ()), date_from=date_from, date_to=date_to
        )
        return {"question": question.strip(), "history": turns[-12:], "k": k, "filters": filters}

    def ask(
        self,
        question: str,
        history: Sequence[tuple[str, str]] | None = None,
        *,
        k: int | None = None,
        article_ids: Sequence[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
    ) -> Answer:
        """Answer a question from the ingested articles, with citations.

        Args:
            question: the question.
            history: earlier turns as ``(role, text)``; follow-ups are made standalone.
            k: passages given to the answer step (default ``settings.top_k``).
            article_ids: only search these articles.
            date_from: only articles dated on or after this ISO date.
            date_to: only articles dated on or before this ISO date.

        Raises:
            QuestionError: empty or over-long question, bad filter or history.
            BackendError: the LLM backend failed.
        """
        inputs = self._inputs(question, history, k, article_ids, date_from, date_to)
        try:
            result = self.chain.invoke(inputs)
        except AssistantError:
            raise
        except Exception as exc:
            raise self._backend_error(exc) from exc
        assert result.answer is not None
        return result.answer

    def _backend_error(self, exc: Exception) -> Exception:
        """An LLM client's exception as a BackendError naming the server and the fix."""
        s = self.settings
        if s.llm == "extractive":
            return exc  # not a backend problem: let it surface as it is
        where = s.llm_base_url if s.llm == "openai" else (s.llm_model or "the packaged SmolLM2")
        text = f"{type(exc).__name__}: {exc}"
        if "timeout" in text.lower() or "timed out" in text.lower():
            hint = f"it did not answer within {s.llm_timeout:g} s (TRADEDESK_LLM_TIMEOUT)"
        elif "connect" in text.lower():
            hint = "nothing answered there: start the server or fix TRADEDESK_LLM_BASE_URL"
        else:
            hint = "check the server's log and the model name (TRADEDESK_LLM_MODEL)"
        return BackendError(
            f"The {s.llm} backend at {where} failed ({text}); {hint}. The extractive backend "
            "(TRADEDESK_LLM=extractive) works without an LLM."
        )

    def stream(
        self,
        question: str,
        history: Sequence[tuple[str, str]] | None = None,
        *,
        k: int | None = None,
        article_ids: Sequence[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
    ) -> Iterator[str | Answer]:
        """Like ``ask`` but yields text deltas as an LLM writes, then the final ``Answer``.

        The final answer's text is the verified one: it may differ from the streamed
        draft where a sentence failed verification.
        """
        inputs = self._inputs(question, history, k, article_ids, date_from, date_to)
        try:
            for chunk in self.chain.stream(inputs):
                if chunk.delta:
                    yield chunk.delta
                if chunk.answer is not None:
                    yield chunk.answer
        except AssistantError:
            raise
        except Exception as exc:
            raise self._backend_error(exc) from exc

    # -- conversations ---------------------------------------------------------------------

    def article_hashes(self) -> dict[str, str]:
        """``article_id -> content hash`` of every article (to date a saved citation)."""
        return {article_id: h for article_id, (h, _) in self.records.states().items()}

    def remember(
        self,
        user: str,
        conversation_id: str | None,
        question: str,
        answer: Answer,
        filters: dict[str, Any] | None = None,
    ) -> Turn:
        """Save a question and its answer as the next turn (a new conversation when None).

        The cited articles' content hashes are kept with the turn, so a later reader is
        told when an article was updated or removed since.

        Raises:
            QuestionError: ``conversation_id`` is not one of ``user``'s conversations.
            StoreError: the conversation history cannot be written.
        """
        hashes = self.article_hashes()
        sources = {c.article_id: hashes[c.article_id] for c in answer.citations
                   if c.article_id in hashes}
        if conversation_id is None:
            conversation_id = self.conversations.create(user, question)
        return self.conversations.add_turn(
            conversation_id, user, question, answer, filters=filters, sources=sources
        )

    # -- library -------------------------------------------------------------------------

    def ingest(
        self,
        paths: Sequence[str | Path] | str | Path,
        *,
        prune: bool = False,
        progress: ProgressFn | None = None,
    ) -> IngestReport:
        """Ingest files, folders and URLs (idempotent: unchanged articles cost nothing).

        Args:
            paths: one or several paths (folders are walked recursively) and URLs, mixed
                freely: an http(s) URL is an article page, an RSS/Atom feed (each entry
                an article) or an OPML list of feeds, told apart by its content type and
                content. A URL that is refused or fails is reported, the rest lands.
            prune: remove articles whose source file is gone (never web articles).
            progress: optional callback receiving ``Progress`` events (``fetch`` for
                URLs, then ``load`` and ``embed``).
        """
        if isinstance(paths, str | Path):
            paths = [paths]
        urls = [str(p).strip() for p in paths if _is_url(p)]
        files = [p for p in paths if not _is_url(p)]
        docs: list[Document] = []
        failed: list[Failure] = []
        for n, url in enumerate(urls):
            if progress:
                progress(Progress("fetch", n, len(urls), url))
            got, failures = self.web.read_url(url)
            docs += got
            failed += failures
        if progress and urls:
            progress(Progress("fetch", len(urls), len(urls)))
        report = self.ingestor.ingest(files, prune=prune, progress=progress, documents=docs)
        report.failed[:0] = failed
        self._wrote()
        self.refresh()
        if self.embedder.loaded:  # torch is loaded anyway: export the fast query encoder now
            try:
                self.embedder.ensure_onnx()
            except Exception:  # noqa: BLE001 - optional speed-up; queries fall back to torch
                pass
        return report

    def ingest_uploads(
        self, files: Sequence[tuple[str, bytes]], *, progress: ProgressFn | None = None
    ) -> IngestReport:
        """Ingest uploaded files (``(name, bytes)`` pairs), stored under generated names.

        Raises:
            IngestError: more files than ``settings.max_upload_files`` at once.
        """
        report = self.ingestor.ingest_uploads(
            files,
            directory=self.settings.uploads_dir,
            max_files=self.settings.max_upload_files,
            progress=progress,
        )
        self._wrote()
        self.refresh()
        return report

    def reingest_library(self, *, progress: ProgressFn | None = None) -> IngestReport:
        """Re-ingest ``settings.library_dir`` with pruning (the app's library button).

        Raises:
            ConfigError: no library folder is configured.
        """
        folder = self.settings.library_dir
        if folder is None:
            raise ConfigError(
                "No library folder is configured: set TRADEDESK_LIBRARY_DIR to the folder of "
                "your articles."
            )
        return self.ingest([folder], prune=True, progress=progress)

    # -- feeds, watched folders and polling -----------------------------------------------

    def add_feed(self, url: str) -> WatchedSource:
        """Watch an RSS/Atom feed, an OPML list of feeds, or a page; returns the source.

        Nothing is fetched yet: the next ``poll()`` reads it. Adding a watched URL again
        changes nothing.

        Raises:
            FetchError: not an http(s) URL, or its host resolves to a refused address.
        """
        try:
            norm = check_url(url, self.fetcher.policy)
        except FetchError as exc:
            if not exc.retry:  # refused for good; a host that does not resolve now may later
                raise
            norm = normalise_url(url)
        return self.records.add_watched("feed", norm)

    def add_folder(self, path: str | Path) -> WatchedSource:
        """Watch a folder: each poll ingests it (new and changed files; nothing is pruned).

        Raises:
            ConfigError: not an existing folder.
        """
        folder = Path(path).expanduser().absolute()
        if not folder.is_dir():
            raise ConfigError(f"{folder} is not a folder; give the path of an existing folder.")
        return self.records.add_watched("folder", str(folder))

    def _watched(self, key: str | Path, kind: str) -> WatchedSource:
        text = str(key).strip()
        candidates = [text]
        if kind == "feed" and _is_url(text):
            try:
                candidates.append(normalise_url(text))
            except FetchError:
                pass
        if kind == "folder":
            candidates.append(str(Path(text).expanduser().absolute()))
        for candidate in candidates:
            found = self.records.watched_source(candidate)
            if found is not None and found.kind == kind:
                return found
        command = "feeds" if kind == "feed" else "folders"
        raise AssistantError(
            f"No watched {kind} {text!r}; `tradedesk {command} list` shows them."
        )

    def remove_feed(self, url: str) -> None:
        """Stop watching a feed (by URL or id), and the feeds of an OPML list; articles stay.

        Raises:
            AssistantError: no such watched feed.
        """
        self.records.remove_watched(self._watched(url, "feed").source_id)

    def remove_folder(self, path: str | Path) -> None:
        """Stop watching a folder (by path or id); its articles stay.

        Raises:
            AssistantError: no such watched folder.
        """
        self.records.remove_watched(self._watched(path, "folder").source_id)

    def feeds(self) -> list[WatchedSource]:
        """The watched feeds (OPML lists and the feeds they brought included)."""
        return self.records.watched("feed")

    def folders(self) -> list[WatchedSource]:
        """The watched folders."""
        return self.records.watched("folder")

    def poll(self, *, force: bool = False) -> PollReport:
        """Poll every watched feed and folder once (see ``ingest.web.watch``).

        Holds the ingest lock for the whole poll (one poll at a time per store). A
        source that fails is logged and waits out its backoff unless ``force``.

        Raises:
            IngestLockedError: another ingest or poll held the lock too long.
        """
        report = self.poller.poll(force=force)
        self._wrote()
        self.refresh()
        return report

    def poll_log(self, limit: int = 50) -> list[LogRow]:
        """The latest rows of the poll log, newest first."""
        return self.records.poll_log(limit)

    def watcher(
        self, on_poll: Callable[[PollReport | AssistantError], None] | None = None,
        *, interval: float | None = None, follow_toggle: bool = False,
    ) -> Watcher:
        """A ``Watcher`` polling this store every ``interval`` (default: the setting).

        With ``follow_toggle`` it stops by itself before a poll once ``watching()`` is off
        (the app's watcher; ``tradedesk watch`` polls regardless).
        """
        return Watcher(
            self.poll, interval=interval or self.settings.watch_interval, on_poll=on_poll,
            enabled=self.watching if follow_toggle else None,
        )

    def watching(self) -> bool:
        """Whether the app's *Watch* toggle is on for this store (stored in its records)."""
        return self.records.watching()

    def set_watching(self, on: bool) -> None:
        """Switch the app's *Watch* toggle for this store.

        Every app process, and a restart, sees it: each runs its watcher while it is on.
        """
        self.records.set_watching(on)

    def articles(self) -> list[ArticleInfo]:
        """The ingested articles, newest first."""
        return self.records.articles()

    def article(self, article_id: str) -> ArticleInfo:
        """One article's metadata.

        Raises:
            AssistantError: no article has this id.
        """
        info = self.records.article(article_id)
        if info is None:
            raise AssistantError(
                f"No article with id {article_id!r}; `tradedesk list` shows the ids."
            )
        return info

    def article_text(self, article_id: str) -> str:
        """The cleaned text of an article (citation offsets point into it)."""
        text = self.records.article_text(article_id)
        if text is None:
            raise AssistantError(
                f"No article with id {article_id!r}; `tradedesk list` shows the ids."
            )
        return text

    def remove(self, article_id: str) -> None:
        """Remove an article and its chunks.

        Raises:
            AssistantError: no article has this id.
        """
        if not self.ingestor.remove([article_id]):
            raise AssistantError(
                f"No article with id {article_id!r}; `tradedesk list` shows the ids."
            )
        self._wrote()
        self.refresh()

    def reset(self) -> None:
        """Delete every article, chunk and index of this store."""
        self.ingestor.reset()
        self._wrote()
        self.refresh()

    # -- the fact ledger ---------------------------------------------------------------------

    def facts(
        self,
        *,
        country: str | None = None,
        partner: str | None = None,
        kind: str | None = None,
        flow: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
    ) -> list[Fact]:
        """Figures extracted from the articles, filtered by subject and period.

        Args:
            country: the reporting country (either side of bilateral trade).
            partner: the partner country.
            kind: level, growth, share, target, count, price, rate or duration.
            flow: export, import, bilateral, balance, investment, port or market.
            date_from: periods ending on or after this date (YYYY-MM or YYYY-MM-DD).
            date_to: periods starting on or before this date.
        """
        self.ingestor.refresh_facts()
        return self.ledger.facts(
            country=_country_name(country), partner=_country_name(partner), kind=kind,
            flow=flow, date_from=date_from, date_to=date_to,
        )

    def figures_page(
        self,
        *,
        country: str | None = None,
        partner: str | None = None,
        kinds: Sequence[str] = (),
        limit: int = 100,
        offset: int = 0,
    ) -> FiguresPage:
        """One page of the ledger for browsing: the figures, how many match, the series.

        Queries run in SQLite with the filters and the page's limit, so a page costs the
        same on a store of 19,000 articles as on ten.
        """
        self.ingestor.refresh_facts()
        filters: dict[str, Any] = {
            "country": _country_name(country), "partner": _country_name(partner),
            "kinds": tuple(kinds),
        }
        return FiguresPage(
            facts=self.ledger.facts(**filters, limit=limit, offset=offset),
            total=self.ledger.count(**filters),
            series=self.ledger.series(**filters),
            countries=self.ledger.names(),
        )

    def series_facts(self, series: FigureSeries) -> list[Fact]:
        """The figures of one series (and its subject's targets), for a chart."""
        return self.ledger.series_facts(series)

    def conflicts(self) -> list[Conflict]:
        """Figures that two articles give differently for the same subject and period.

        Versions of one story (a story group) that give different values are a revision
        (``Conflict.revised``, labelled "revised"), not sources that differ.
        """
        self.ingestor.refresh_facts()
        return self.ledger.conflicts()

    # -- integrity -------------------------------------------------------------------------

    def doctor(self, *, fix: bool = False) -> DoctorReport:
        """Check that the records, the Chroma store and the BM25 index agree.

        See ``ingest.maintenance.Maintenance.doctor``; with ``fix`` what can be repaired
        in place is repaired. A store that cannot be read at all needs ``rebuild()``.
        """
        return self.maintenance.doctor(fix=fix, refresh=self._changed)

    def rebuild(self, *, progress: ProgressFn | None = None) -> IngestReport:
        """Re-create the vector store (and, if damaged, the records) from what was ingested.

        See ``ingest.maintenance.Maintenance.rebuild``: nothing is deleted, damaged files
        are kept as ``*.damaged-*``.
        """
        report = self.maintenance.rebuild(progress=progress)
        self._changed()
        return report

    def stats(self) -> dict[str, Any]:
        """Counts and locations, for ``tradedesk stats``."""
        n_articles, n_chunks = self.records.count()
        return {
            "articles": n_articles,
            "chunks": n_chunks,
            "vectors": self.store.count(),
            "store": self.store.location,
            "collection": self.settings.collection,
            "records": str(self.records.path),
            "embedding_model": self.embedder.name,
            "version": self.records.version(),
            "home": str(self.settings.home),
        }

    # -- keeping readers in step -----------------------------------------------------------

    def warm_up(self, *, background: bool = True) -> threading.Thread | None:
        """Load what the first question would otherwise wait for.

        The BM25 index, the Chroma collection, the query encoder and the fact ledger
        (about 1.5 s for the 118,000 figures of Reuters-21578). With ``background`` this
        runs in a daemon thread (returned) and questions can be asked meanwhile; a
        failure here is left for the first question to report.
        """

        def run() -> None:
            try:
                self.refresh()
                if self.store.count():
                    self.embedder.encode_light(["warm up"])
                    self.ledger.facts_loaded()
            except Exception:  # noqa: BLE001 - the first ask() reports it with its fix
                return

        if not background:
            run()
            return None
        thread = threading.Thread(target=run, name="tradedesk-warm-up", daemon=True)
        thread.start()
        return thread

    def _changed(self) -> None:
        """This process changed the store: note it and bring the indexes in step."""
        self._wrote()
        self.refresh()

    def _wrote(self) -> None:
        """This process changed the store: its own client is up to date."""
        self._seen["version"] = self.records.version()

    def refresh(self) -> bool:
        """Bring the lexical index and the store client in step with the records.

        Cheap when nothing changed (one SQLite read). Another process's ingest is
        noticed through the records' version counter: the BM25 index is reloaded and
        an embedded Chroma client is reopened (it keeps its index in memory and would
        not see the new vectors). Returns True when the lexical index changed.
        """
        version = self.records.version()
        seen = self._seen["version"]
        if seen is None:
            self._seen["version"] = version
        elif seen != version:
            self._seen["version"] = version
            if self.store.path is not None:
                self.store.close()
        if self.lexical.version == version:
            return False
        with self._sync_lock:
            if self.lexical.version == version:
                return False
            # Loading and building share one lock across processes: a reader never pairs
            # the ids of one build with the index files of another.
            build_lock = FileLock(str(self.settings.lexical_dir) + ".lock", timeout=120)
            with build_lock:
                if self.lexical.saved_version() == version and self.lexical.load():
                    return True
                ids, texts = self.records.chunk_texts()
                self.lexical.build(ids, texts, version)
            return True
