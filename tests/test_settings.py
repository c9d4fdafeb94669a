"""Settings: TRADEDESK_* environment variables, defaults, readable errors, derived paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import Settings, load_settings
from vectorstore.errors import ConfigError

pytestmark = pytest.mark.fast


def test_env_vars_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRADEDESK_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("TRADEDESK_TOP_K", "7")
    monkeypatch.setenv("TRADEDESK_COLLECTION", "news.v2")
    monkeypatch.setenv("TRADEDESK_CHUNK_WORDS", "120")
    monkeypatch.setenv("TRADEDESK_CHUNK_MAX_WORDS", "150")
    monkeypatch.setenv("TRADEDESK_CHUNK_OVERLAP", "2")
    monkeypatch.setenv("TRADEDESK_MAX_FILE_MB", "1.5")
    monkeypatch.setenv("TRADEDESK_INGEST_LOCK_TIMEOUT", "0")
    monkeypatch.setenv("TRADEDESK_LLM", "openai")
    monkeypatch.setenv("TRADEDESK_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("TRADEDESK_EMBEDDING_PRECISION", "fp32")

    s = load_settings()

    assert s.home == tmp_path / "data"
    assert s.top_k == 7
    assert s.collection == "news.v2"
    assert (s.chunk_words, s.chunk_max_words, s.chunk_overlap) == (120, 150, 2)
    assert s.max_file_mb == 1.5
    assert s.ingest_lock_timeout == 0
    assert s.llm == "openai"
    assert s.llm_base_url == "http://127.0.0.1:9/v1"
    assert s.embedding_precision == "fp32"


def test_overrides_win_over_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADEDESK_TOP_K", "7")
    assert load_settings(top_k=3).top_k == 3


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    s = load_settings()
    assert s.home == tmp_path / ".tradedesk"
    assert "~" not in str(s.home)
    assert s.collection == "tradedesk"
    assert s.chroma_host is None
    assert s.top_k == 8
    assert s.llm == "extractive"
    assert s.chunk_words <= s.chunk_max_words
    assert s.store_key == "tradedesk"
    assert s.records_path == tmp_path / ".tradedesk" / "records" / "tradedesk.sqlite"
    assert s.chroma_dir == tmp_path / ".tradedesk" / "chroma"
    assert s.lock_path == tmp_path / ".tradedesk" / "locks" / "tradedesk.lock"


def test_home_tilde_is_expanded_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("TRADEDESK_HOME", "~/elsewhere")
    assert load_settings().home == tmp_path / "elsewhere"


@pytest.mark.parametrize(
    ("env", "variable", "shown"),
    [
        ({"TRADEDESK_TOP_K": "abc"}, "TRADEDESK_TOP_K", "abc"),
        ({"TRADEDESK_TOP_K": "0"}, "TRADEDESK_TOP_K", "0"),
        ({"TRADEDESK_COLLECTION": "a"}, "TRADEDESK_COLLECTION", "'a'"),
        ({"TRADEDESK_COLLECTION": "bad name!"}, "TRADEDESK_COLLECTION", "bad name!"),
        ({"TRADEDESK_CHROMA_PORT": "70000"}, "TRADEDESK_CHROMA_PORT", "70000"),
        ({"TRADEDESK_MAX_FILE_MB": "-1"}, "TRADEDESK_MAX_FILE_MB", "-1"),
        ({"TRADEDESK_LLM": "gpt"}, "TRADEDESK_LLM", "gpt"),
        ({"TRADEDESK_LLM": "openai"}, "TRADEDESK_LLM_BASE_URL", "openai"),
    ],
)
def test_invalid_values_raise_config_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], variable: str, shown: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert variable in message
    assert shown in message
    assert isinstance(info.value, ValueError)  # ConfigError is also a ValueError


def test_chunk_words_over_max_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADEDESK_CHUNK_WORDS", "500")
    monkeypatch.setenv("TRADEDESK_CHUNK_MAX_WORDS", "200")
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert "CHUNK_WORDS=500" in message
    assert "CHUNK_MAX_WORDS=200" in message


def test_chunk_words_error_names_the_env_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADEDESK_CHUNK_WORDS", "500")
    monkeypatch.setenv("TRADEDESK_CHUNK_MAX_WORDS", "200")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "TRADEDESK_CHUNK_WORDS" in str(info.value)


def test_openai_with_base_url_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADEDESK_LLM", "openai")
    monkeypatch.setenv("TRADEDESK_LLM_BASE_URL", "  ")  # blank counts as unset
    with pytest.raises(ConfigError, match="TRADEDESK_LLM_BASE_URL"):
        load_settings()
    monkeypatch.setenv("TRADEDESK_LLM_BASE_URL", "http://127.0.0.1:11434/v1")
    assert load_settings().llm == "openai"


def test_chroma_host_switches_store_key_and_paths(tmp_path: Path) -> None:
    embedded = Settings(home=tmp_path)
    server = Settings(home=tmp_path, chroma_host="127.0.0.1", chroma_port=8123)
    other_port = Settings(home=tmp_path, chroma_host="127.0.0.1", chroma_port=8124)

    assert embedded.store_key == "tradedesk"
    assert server.store_key == "tradedesk@127.0.0.1_8123"
    assert server.records_path == tmp_path / "records" / "tradedesk@127.0.0.1_8123.sqlite"
    assert server.lock_path == tmp_path / "locks" / "tradedesk@127.0.0.1_8123.lock"
    assert server.lexical_dir == tmp_path / "lexical" / "tradedesk@127.0.0.1_8123"
    # Each store has its own records, index and lock.
    assert len({embedded.records_path, server.records_path, other_port.records_path}) == 3
    assert len({embedded.lock_path, server.lock_path, other_port.lock_path}) == 3
    assert len({embedded.lexical_dir, server.lexical_dir, other_port.lexical_dir}) == 3


def test_chroma_host_from_env_blank_means_embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADEDESK_CHROMA_HOST", " ")
    s = load_settings()
    assert s.chroma_host is None
    assert s.store_key == "tradedesk"
    monkeypatch.setenv("TRADEDESK_CHROMA_HOST", "db.example")
    monkeypatch.setenv("TRADEDESK_CHROMA_PORT", "9000")
    assert load_settings().store_key == "tradedesk@db.example_9000"


def test_settings_are_frozen(tmp_path: Path) -> None:
    s = Settings(home=tmp_path)
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        s.top_k = 9  # type: ignore[misc]
    assert s.top_k == 8
