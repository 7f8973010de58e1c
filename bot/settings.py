"""The one typed settings object: environment variables ``BRIEFBOT_*`` and an optional TOML file.

Precedence (highest first): explicit arguments, environment, the config file named by
``BRIEFBOT_CONFIG`` (default ``$BRIEFBOT_HOME/config.toml``), defaults.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from vectorstore.config import StoreConfig

Provider = Literal["embedded", "openai", "openai-compatible"]


def _default_home() -> Path:
    return Path(platformdirs.user_data_dir("briefbot", appauthor=False))


def _config_file() -> Path:
    # Read before the settings exist, so it is the one place that looks at the environment directly.
    explicit = os.environ.get("BRIEFBOT_CONFIG")
    if explicit:
        return Path(explicit)
    home = os.environ.get("BRIEFBOT_HOME")
    return (Path(home) if home else _default_home()) / "config.toml"


class Settings(BaseSettings):
    """Everything Briefbot can be configured with."""

    model_config = SettingsConfigDict(env_prefix="BRIEFBOT_", extra="ignore")

    home: Path = Field(default_factory=_default_home)
    """Data directory: the embedded Chroma store, lock files, uploads."""

    chroma_url: str | None = None
    """``http://host:port`` of a Chroma server (``chroma run``); unset means embedded store."""

    collection: str = "briefbot"
    """Chroma collection name prefix (``<name>_chunks`` and ``<name>_articles``)."""

    llm: str = "embedded"
    """Model provider: ``embedded`` (bundled SmolLM2 GGUF in process), ``openai`` or
    ``openai-compatible``. Shorthands: ``embedded:/path/model.gguf``, ``openai:gpt-4o-mini``,
    ``openai-compatible:MODEL@http://host:port/v1``."""

    llm_model: str | None = None
    """GGUF path for ``embedded``; model name for ``openai``/``openai-compatible``."""

    llm_base_url: str | None = None
    """Base URL of an OpenAI-compatible server (Ollama, llama.cpp server, vLLM, LM Studio)."""

    openai_api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    """Key for OpenAI; read from ``OPENAI_API_KEY``. Never logged or stored."""

    llm_temperature: float = 0.0
    llm_max_tokens: int = 320
    llm_context: int = 4096
    """Context window for the embedded model (tokens)."""
    llm_threads: int | None = None
    """CPU threads for the embedded model; default all cores."""

    top_k: int = 6
    """Passages given to the model for an answer."""
    fetch_k: int = 40
    """Candidates taken from each retriever before fusion."""
    max_per_article: int = 2
    """Diversity cap: at most this many passages from one article in a result set."""
    min_relevance: float = 0.30
    """Below this dense similarity and with no lexical match the sources are taken not to answer."""

    chunk_chars: int = 900
    max_file_bytes: int = 25 * 1024 * 1024

    @model_validator(mode="after")
    def _expand_llm_shorthand(self) -> Settings:
        provider, _, rest = self.llm.partition(":")
        if provider not in ("embedded", "openai", "openai-compatible"):
            raise ValueError(
                f"BRIEFBOT_LLM must start with embedded, openai or openai-compatible, got {self.llm!r}"
            )
        if rest:
            if provider == "openai-compatible" and "@" in rest:
                model, _, url = rest.partition("@")
                self.llm_model = self.llm_model or model
                self.llm_base_url = self.llm_base_url or url
            else:
                self.llm_model = self.llm_model or rest
        self.llm = provider
        if provider == "openai-compatible" and not self.llm_base_url:
            raise ValueError("openai-compatible needs BRIEFBOT_LLM_BASE_URL (or model@url)")
        return self

    @property
    def provider(self) -> Provider:
        return self.llm  # type: ignore[return-value]

    def store_config(self) -> StoreConfig:
        return StoreConfig(
            home=self.home,
            chroma_url=self.chroma_url,
            collection=self.collection,
            chunk_chars=self.chunk_chars,
            max_file_bytes=self.max_file_bytes,
        )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file())
        return (init_settings, env_settings, toml)


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and config file, with explicit overrides on top."""
    return Settings(**overrides)  # type: ignore[arg-type]
