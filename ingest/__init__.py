"""Ingest: load articles, clean them, chunk them with offsets and index them idempotently."""

from ingest.models import ArticleInfo, Chunk, Document, Failure, IngestReport
from ingest.pipeline import Ingestor, Progress

__all__ = ["ArticleInfo", "Chunk", "Document", "Failure", "IngestReport", "Ingestor", "Progress"]
