"""Channels by name: a real adapter where its settings are present, the sandbox elsewhere."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.channels.base import OutboundChannel
from bot.channels.sandbox import SandboxChannel
from bot.domain import Channel


class UnknownChannel(LookupError):
    """A channel name no adapter serves."""


class ChannelRegistry:
    """`{name: adapter}`; an unknown name is an error, never a silent fallback."""

    def __init__(self, adapters: Mapping[str, OutboundChannel]) -> None:
        self._adapters = dict(adapters)

    @classmethod
    def with_sandbox(cls, real: Iterable[OutboundChannel] = ()) -> ChannelRegistry:
        """Real adapters where given; every other debtor channel delivered by the sandbox."""
        adapters: dict[str, OutboundChannel] = {c.value: SandboxChannel(c.value) for c in Channel}
        adapters.update({a.name: a for a in real})
        return cls(adapters)

    def get(self, name: str) -> OutboundChannel:
        """The adapter for `name`."""
        try:
            return self._adapters[name]
        except KeyError:
            raise UnknownChannel(
                f"no channel named {name!r}; known: {sorted(self._adapters)}") from None

    def sandboxed(self) -> list[str]:
        """Channels that the sandbox delivers (no provider configured)."""
        return sorted(n for n, a in self._adapters.items() if isinstance(a, SandboxChannel))

    def sandboxes(self) -> list[SandboxChannel]:
        """The sandbox adapters, to wait on deliveries."""
        return [a for a in self._adapters.values() if isinstance(a, SandboxChannel)]
