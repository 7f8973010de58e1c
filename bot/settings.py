"""The one typed settings object: environment variables ``BRIEFBOT_*`` and an optional TOML file.

Precedence (highest first): explicit arguments, environment, the config file named by
``BRIEFBOT_CONFIG`` (default ``$BRIEFBOT_HOME/config.toml``), defaults.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
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


class _Section(BaseModel):
    """A typed, immutable group of tunables; every field documented where it is declared."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class RetrievalSettings(_Section):
    """Fusion knobs of ``bot.retrieval.HybridRetriever``. Defaults chosen on the MultiHop-RAG dev
    queries (docs/bench/retrieval.md). Passage counts (``top_k``, ``fetch_k``,
    ``max_per_article``) are top-level settings because they have environment variables."""

    rrf_k: float = 60.0
    """Rank constant of reciprocal rank fusion (``weight / (rrf_k + rank)``)."""
    dense_weight: float = 1.0
    """Weight of the global dense (embedding) list."""
    lexical_weight: float = 1.0
    """Weight of the global BM25 list."""
    source_weight: float = 1.0
    """Weight of each per-named-source list (dense and lexical each)."""
    date_weight: float = 0.5
    """Weight of each per-named-date list (dense and lexical each)."""
    clause_weight: float = 1.0
    """Weight of each per-clause list (0 disables clause sub-queries)."""
    clause_dense: bool = False
    """Embed each clause for its own dense search too. Off: on the dev set it changed no
    all_evidence figure and it costs one embedding per clause (BM25 on clauses does the work)."""
    clause_inherit_sources: bool = True
    """A clause naming no publication searches the publications the question names."""
    pool_k: int = 1000
    """Passages of the one dense (unfiltered) query per question that every restricted dense
    list is answered from (at 1M passages the query costs ~5-9 ms; reading records 10x more)."""
    lexical_in_background: bool = True
    """Run a question's BM25 lists on a background thread while the question is embedded and
    Chroma queried (same results; at 1M passages on a loaded 2-core machine hybrid p95 fell
    ~7%, more where a core is free). Off: one thread, as before."""
    sub_fetch_k: int = 20
    """Candidates taken from each restricted sub-search (global ones take ``fetch_k``)."""
    date_slack_days: int = 1
    """Days added on each side of a date the question names (time zones)."""
    merge: Literal["coverage", "rrf"] = "coverage"
    """``coverage``: greedy facet coverage over articles; ``rrf``: plain fused order."""
    coverage_k0: float = 2.0
    """Rank constant inside one list for coverage (small: a list's top hit dominates)."""
    coverage_depth: int = 20
    """Articles ordered by coverage; the rest follow by fused score."""
    repeat_penalty: float = 0.5
    """An article's 2nd passage competes with other articles at this factor of its fused score
    (squared for the 3rd, ...): distinct articles first unless a repeat is clearly stronger."""
    bm25_k1: float = 0.9
    """BM25 term-frequency saturation."""
    bm25_b: float = 0.4
    """BM25 length normalisation."""


class AnswerSettings(_Section):
    """Thresholds of ``bot.answer`` (calibration: docs/bench/answer.md, seeds + MultiHop-RAG null
    queries). The similarity below which the sources are taken not to answer is the top-level
    ``min_relevance`` (``BRIEFBOT_MIN_RELEVANCE``)."""

    strong_similarity: float = 0.55
    """A passage sentence this similar to the question is evidence on its own."""
    min_coverage: float = 0.42
    """Share (weighted) of the question's content words that the passages must contain."""
    min_names: float = 0.6
    """Share of the question's names and numbers the passages must contain."""
    on_topic_similarity: float = 0.35
    """A model sentence sharing no word with the question must be at least this similar to
    it."""
    extra_quote_ratio: float = 0.85
    """An extractive answer adds a second quote only when it scores this close to the first."""
    max_sentences: int = 3
    """Model sentences an answer keeps."""
    max_raw_sentences: int = 5
    """Model sentences read before generation stops."""
    max_failed_start: int = 2
    """Stop generating when the model's first sentences are all rejected: the answer will be
    extractive, and waiting for more of the same only adds latency."""
    max_tokens: int = 200
    """Tokens the model may write for an answer (and at most ``llm_max_tokens``)."""
    side_coverage: float = 0.6
    """A yes/no question's side that the claim checker neither supports nor contradicts still
    counts as *reported* by its sources when one of their passages holds this weighted share of
    the side's terms (and its article ``side_names`` of its names); every side reported and none
    contradicted settles the short answer. Above 1 only the checker settles yes/no."""
    side_names: float = 0.75
    """Share of a side's names and numbers its sources' passage must hold to report it."""
    side_similarity: float = 0.6
    """Or: MiniLM similarity of the side to the passage's closest sentence (a paraphrase)."""
    cite_min_score: float = 0.55
    """A sentence is quoted for a facet of the question (``bot.answer.citing``) only when its
    similarity to the facet plus half the share of the facet's words it holds reaches this."""
    cite_min_inherited: float = 0.62
    """The floor for a clause that names no source of its own: it is asked of every source the
    question names, so its best sentence is more often one of another clause's sources, and it
    adds a quote only when it clears the floor clearly (0.55 → 0.62: citation precision 0.824 →
    0.832, recall 0.612 → 0.606 on MultiHop-RAG dev)."""
    cite_min_added: float = 0.8
    """For yes/no answers, whose per-side quotes always stay: the score a clause's sentence
    needs to be added beside them."""
    cite_date_bonus: float = 0.15
    """Added when the sentence's article was published on the day (or month) the clause names."""
    cite_answer_bonus: float = 0.1
    """Added to a sentence's score for a facet when it holds the short answer (name, figure,
    date) or is the quote the answer was read from."""
    cite_max_quotes: int = 4
    """At most this many quotes per answer (one per facet of the question)."""
    side_passages: int = 6
    """Passages a yes/no side is checked against (its named sources' passages only)."""
    side_passages_named: int = 12
    """The same when the side names its sources: searching within one publication goes deeper,
    its articles being few."""


class ClaimSettings(_Section):
    """Thresholds of the claim checker ``bot.claims.checker`` (calibration: docs/bench/claims.md)."""

    min_coverage: float = 0.75
    """Weighted share of the claim's content terms the quote must hold on words alone."""
    min_paraphrase: float = 0.5
    """The share that suffices when claim and quote are similar by meaning."""
    min_similarity: float = 0.7
    """MiniLM cosine of claim and quote that makes a paraphrase."""
    min_contradiction: float = 0.7
    """Share of the claim's other terms a conflicting quote must hold to be about the same
    thing."""
    min_clause_coverage: float = 0.5
    """Share of each clause's content words (a clause of the claim between commas, with two
    or more) the quote must hold: a true sentence with an invented clause appended keeps most
    of its words but is not supported."""
    candidates: int = 4
    """Quotes tried per passage, best ranked first."""
    passages: int = 8
    """Passages retrieved per claim when the evidence is the store."""


class BriefingSettings(_Section):
    """How much a briefing gathers and keeps (the PDF export shrinks further to fit a page)."""

    passages_per_query: int = 12
    """Passages retrieved for each of the topic's queries."""
    max_articles: int = 12
    """Articles a briefing draws on (the best by fused passage score)."""
    max_quote_chars: int = 300
    """Longer sentences are never quoted (whole sentences only, never cut)."""
    min_words: int = 6
    """Shorter sentences (headlines, fragments) are never quoted."""
    min_relevance: float = 0.25
    """Sentence/topic relevance (0..1 blend) below which a sentence is left out."""
    min_semantic: float = 0.32
    """Embedding similarity to the topic below which a sentence is off topic, whatever words it
    shares with the topic."""
    min_position_relevance: float = 0.12
    """Lower bar for statements attributed to an actor in an article already found relevant."""
    max_sentences: int = 300
    """Candidate sentences embedded per briefing (retrieved passages first, then the rest of
    the best articles)."""
    bottom_line: int = 3
    """Sentences in the bottom line (built from the best-corroborated developments)."""
    developments: int = 6
    """Items in Key developments."""
    positions: int = 5
    """Actors in Positions."""
    quotes_per_position: int = 2
    """Quotes per actor."""
    disagreements: int = 3
    """Pairs in Disagreements."""
    disagreement_candidates: int = 24
    """Best-ranked sentences checked against every other independent source for a
    contradiction (each check reads only that source's passages sharing two content words)."""
    passages_per_source: int = 8
    """Retrieved passages of one independent source that corroboration and disagreement checks
    read."""
    watch: int = 4
    """Items in What to watch."""
    per_article_per_section: int = 2
    """Items one article may contribute to one section."""
    model_max_tokens: int = 120
    """Tokens the model may write for the bottom line."""
    draft_max_tokens: int = 500
    """Tokens a capable model may write when it drafts the bottom line and developments."""


class FeedSettings(_Section):
    """Bounds of one feed refresh (``bot.feeds.refresh``): one feed never holds up the rest."""

    timeout_s: float = 20.0
    """Per request: connect and read timeout; a whole response must arrive within three times
    this (the fetcher's deadline)."""
    budget_s: float = 120.0
    """Per feed: entries still unread after this many seconds wait for the next refresh."""
    max_attempts: int = 3
    """An entry whose article could not be read is retried on this many refreshes, then
    given up (reported once more, then skipped)."""


class DigestSettings(_Section):
    """How ``bot.digest`` folds new articles into stories and picks each story's quote."""

    story_similarity: float = 0.70
    """MiniLM cosine of two articles' leads (title and first sentences) from which they are
    the same story rewritten; syndicated copies are folded by SimHash first
    (``StoreConfig.near_duplicate_bits``). On a small hand check, rewrites of one news item by
    different outlets scored 0.74-0.80 and related but different stories up to 0.63
    (tests/integration/test_digest_minilm.py)."""
    lead_sentences: int = 12
    """Sentences of an article considered for the story's quote (the lead carries the news)."""
    quote_articles: int = 3
    """Articles of a story whose sentences compete for its quote."""
    max_stories: int = 40
    """Stories a digest shows (the most widely reported first)."""


class Settings(BaseSettings):
    """Everything Briefbot can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix="BRIEFBOT_",
        extra="ignore",
        env_nested_delimiter="__",
        use_attribute_docstrings=True,
    )

    home: Path = Field(default_factory=_default_home)
    """Data directory: the embedded Chroma store, lock files, uploads."""

    chroma_url: str | None = None
    """``http://host:port`` of a Chroma server (``chroma run``); unset means embedded store."""

    collection: str = "briefbot"
    """The collection in use (``--collection``, ``BRIEFBOT_COLLECTION``): Chroma collections
    ``<name>_chunks``, ``<name>_articles``, ``<name>_removed``, its lexical index and its local
    files (feeds). Chroma's naming rules apply (``vectorstore.collections.check_name``)."""

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
    """Sampling temperature (0: the same output for the same input)."""
    llm_max_tokens: int = 320
    """Upper bound on tokens a model writes per call."""
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
    """Below this best passage-sentence similarity to the question (MiniLM cosine) the sources
    are taken not to answer, whatever words they share (``bot.answer.evidence.decide``)."""

    chunk_chars: int = 900
    """Passage size in characters (cut on sentence boundaries)."""
    max_file_bytes: int = 25 * 1024 * 1024
    """Larger files are refused with a clear error."""
    allow_private_urls: bool = False
    """Let URL and feed ingest fetch from loopback, private and link-local addresses (checked
    after DNS resolution and at every redirect). Off by default so a fetch cannot reach into
    the user's own network; tests and a purely local setup set ``BRIEFBOT_ALLOW_PRIVATE_URLS=1``."""

    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    """Fusion knobs (``[retrieval]`` in the config file, ``BRIEFBOT_RETRIEVAL__<FIELD>``)."""
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    """Answer thresholds (``[answer]``, ``BRIEFBOT_ANSWER__<FIELD>``)."""
    briefing: BriefingSettings = Field(default_factory=BriefingSettings)
    """Briefing sizes and thresholds (``[briefing]``, ``BRIEFBOT_BRIEFING__<FIELD>``)."""
    claims: ClaimSettings = Field(default_factory=ClaimSettings)
    """Claim-checker thresholds (``[claims]``, ``BRIEFBOT_CLAIMS__<FIELD>``)."""
    digest: DigestSettings = Field(default_factory=DigestSettings)
    """Digest grouping (``[digest]``, ``BRIEFBOT_DIGEST__<FIELD>``)."""
    feeds: FeedSettings = Field(default_factory=FeedSettings)
    """Feed refresh bounds (``[feeds]``, ``BRIEFBOT_FEEDS__<FIELD>``)."""

    @field_validator("collection")
    @classmethod
    def _valid_collection(cls, name: str) -> str:
        from vectorstore.collections import CollectionError, check_name

        try:
            return check_name(name)
        except CollectionError as exc:
            raise ValueError(str(exc)) from None

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
        """What the store layer needs (its own knobs, such as chunk overlap, keep their
        defaults in ``vectorstore.config.StoreConfig``)."""
        return StoreConfig(
            home=self.home,
            chroma_url=self.chroma_url,
            collection=self.collection,
            chunk_chars=self.chunk_chars,
            max_file_bytes=self.max_file_bytes,
            allow_private_urls=self.allow_private_urls,
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
