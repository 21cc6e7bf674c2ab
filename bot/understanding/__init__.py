"""Understanding: a pure function from (text, locale, today) to an `Understanding`."""

from bot.understanding.keywords import understand
from bot.understanding.types import LOW_CONFIDENCE, Intent, Reason, Understanding

__all__ = ["LOW_CONFIDENCE", "Intent", "Reason", "Understanding", "understand"]
