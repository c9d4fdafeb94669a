"""Vector store: local sentence-transformers embeddings, Chroma, and a BM25 index."""

from vectorstore.embeddings import Embedder
from vectorstore.lexical import LexicalIndex
from vectorstore.store import ChromaStore, Hit, HnswConfig

__all__ = ["ChromaStore", "Embedder", "Hit", "HnswConfig", "LexicalIndex"]
