"""Changing channel: "escríbeme por Telegram", "mejor por SMS", "text me instead".

Pure. `requested_channel` reads the request from `switch_phrases.toml` (data per language);
`on_message` answers it and `on_linked` greets a debtor who just bound their Telegram chat.
The engine carries out `SwitchChannel`: the preferred channel changes, or, for a Telegram
chat not linked yet, the debtor first gets the t.me link.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import lru_cache
from importlib import resources

from bot.domain import ChannelLinked, Context, DebtorSaid
from bot.flows.common import first_name, greeting_params, reply
from bot.flows.core import Conversation, Decision, State, SwitchChannel
from bot.texts import Say

NAMES = {"whatsapp": "WhatsApp", "sms": "SMS", "telegram": "Telegram"}
_NON_WORD = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """Lower case, no accents, punctuation to single spaces, padded for whole-word search."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return f" {_NON_WORD.sub(' ', plain).strip()} "


@lru_cache(maxsize=1)
def _patterns() -> dict[str, list[tuple[str, str]]]:
    """Per language: (folded phrase with every channel name filled in, channel)."""
    data = tomllib.loads(resources.files("bot.flows").joinpath("switch_phrases.toml")
                         .read_text("utf-8"))
    names = {channel: [fold(n).strip() for n in words]
             for channel, words in data["channels"].items()}
    out: dict[str, list[tuple[str, str]]] = {}
    for lang in ("es", "en", "pt"):
        table = data[lang]
        found: list[tuple[str, str]] = []
        for phrase in table["phrases"]:
            if "{channel}" in phrase:
                for channel, words in names.items():
                    found.extend((fold(phrase.replace("{channel}", w)), channel) for w in words)
            else:
                found.append((fold(phrase), table[phrase]))
        out[lang] = found
    return out


def requested_channel(text: str, locale: str) -> str | None:
    """The channel the debtor asks to be written on, or None. The last request wins."""
    lang = locale.replace("-", "_").split("_")[0].lower()
    patterns = _patterns()
    candidates = patterns.get(lang) or [p for ps in patterns.values() for p in ps]
    folded = fold(text)
    best: tuple[int, int, str] | None = None
    for phrase, channel in candidates:
        at = folded.rfind(phrase)
        if at >= 0 and (best is None or (at + len(phrase), len(phrase)) > best[:2]):
            best = (at + len(phrase), len(phrase), channel)
    return best[2] if best else None


def on_message(conv: Conversation, said: DebtorSaid, ctx: Context) -> Decision | None:
    """The answer to a channel request, or None when the message is not one."""
    if conv.state in (State.OPTED_OUT, State.THIRD_PARTY) or said.option:
        return None
    target = requested_channel(said.text, ctx.debtor.locale)
    if target is None:
        return None
    params = {"name": first_name(ctx.debtor.name), "channel": NAMES[target]}
    if target in ctx.policy.disabled_channels:
        return reply(conv, Say("channel.unavailable", params))
    if target not in ctx.debtor.reachable:
        # Telegram not linked yet: the engine sends the t.me link (it makes the token).
        return Decision(conv.state, dict(conv.data), (SwitchChannel(target),))
    decision = reply(conv, Say("channel.switched", params))
    return Decision(decision.state, decision.data, (SwitchChannel(target), *decision.actions))


def on_linked(conv: Conversation, event: ChannelLinked, ctx: Context) -> Decision:
    """The debtor bound their chat: it becomes their channel, and we say hello there."""
    decision = reply(conv, Say("channel.linked", greeting_params(ctx)))
    return Decision(decision.state, decision.data,
                    (SwitchChannel(event.channel), *decision.actions))


def route(preferred: tuple[str | None, ...], disabled: frozenset[str],
          fallback: tuple[str, ...], reachable: frozenset[str]) -> str | None:
    """The first channel, in order of preference then fallback, that is on and reachable."""
    for channel in (*preferred, *fallback):
        if channel and channel not in disabled and channel in reachable:
            return channel
    return None
