"""The floor: an aiohttp server whose one handler reads the body and answers 200."""

from __future__ import annotations

import argparse

from aiohttp import web


async def handler(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(text="")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    app = web.Application()
    app.router.add_post("/webhooks/twilio", handler)
    web.run_app(app, host="127.0.0.1", port=parser.parse_args().port, access_log=None,
                print=None)
