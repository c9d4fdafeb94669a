"""Trade Desk: answers about trade news articles, with citations a reader can check."""

from assistant.answer import Answer, Citation
from assistant.errors import AssistantError
from assistant.facade import Assistant, DoctorReport
from assistant.settings import Settings
from ingest.facts import Fact
from ingest.models import ArticleInfo, IngestReport
from ingest.pipeline import Progress

__all__ = [
    "Answer",
    "ArticleInfo",
    "Assistant",
    "AssistantError",
    "Citation",
    "DoctorReport",
    "Fact",
    "IngestReport",
    "Progress",
    "Settings",
]
