"""The fake Twilio (tests/fakes/providers.py) as a process of its own, for the benchmarks.

Every Messages.json request it receives is streamed, as it arrives, to a collector on
127.0.0.1 (`--notify PORT`) as one line: monotonic time, To, From, our message id.
"""

from __future__ import annotations

import argparse
import asyncio
from urllib.parse import parse_qs, urlsplit

from tests.fakes.providers import FakeProviders, Recorded


async def main(port: int, notify: int) -> None:
    _, writer = await asyncio.open_connection("127.0.0.1", notify)

    def report(r: Recorded) -> None:
        callback = parse_qs(urlsplit(r.params.get("StatusCallback", "")).query)
        m = callback.get("m", [""])[0]
        writer.write(f"{r.at:.6f}\t{r.params.get('To', '')}\t{r.params.get('From', '')}"
                     f"\t{m}\n".encode())

    fake = FakeProviders(on_twilio=report, keep=False)
    await fake.start(port)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--notify", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(main(args.port, args.notify))
