"""Understanding: a pure function from (text, locale, today) to an `Understanding`.

Rules and per-language data files, no model and no I/O at call time: see `engine.py` for why
and how, and `data/` for what each language and country says.
"""

from bot.understanding.engine import understand
from bot.understanding.types import LOW_CONFIDENCE, Intent, Reason, Understanding

__all__ = ["LOW_CONFIDENCE", "Intent", "Reason", "Understanding", "understand"]
