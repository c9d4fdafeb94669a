"""Trade Desk: answers about trade news articles, with citations a reader can check."""

from assistant.errors import AssistantError
from assistant.facade import Assistant
from assistant.settings import Settings

__all__ = ["Assistant", "AssistantError", "Settings"]
