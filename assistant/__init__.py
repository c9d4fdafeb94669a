"""Trade Desk: answers about trade news articles, with citations a reader can check."""

from assistant.answer import Answer, Citation
from assistant.errors import AssistantError
from assistant.facade import Assistant
from assistant.settings import Settings
from ingest.maintenance import DoctorReport
from ingest.models import ArticleInfo, IngestReport
from ingest.pipeline import Progress
from ingest.records import LogRow, WatchedSource
from ingest.text.facts import Fact
from ingest.web import PollReport

__all__ = [
    "Answer",
    "ArticleInfo",
    "Assistant",
    "AssistantError",
    "Citation",
    "DoctorReport",
    "Fact",
    "IngestReport",
    "LogRow",
    "PollReport",
    "Progress",
    "Settings",
    "WatchedSource",
]
