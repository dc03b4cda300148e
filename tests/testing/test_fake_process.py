"""`python -m oec_async.testing`: its own process, one JSON line, clean shutdown."""

from __future__ import annotations

import asyncio
import json
import signal
import sys

import aiohttp


async def test_subprocess_prints_url_and_keys_serves_and_stops_on_sigterm() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "oec_async.testing",
        "--port",
        "0",
        "--environments",
        "3",
        "--no-rate-limits",
        "--seed",
        "5",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=15)
        info = json.loads(line)
        assert info["url"].startswith("http://127.0.0.1:")
        assert info["url"].endswith("/api/public/v1")
        assert len(info["environment_ids"]) == 3
        headers = {"Authorization": f"Bearer {info['full_access_key']}"}
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                f"{info['url']}/environments/{info['environment_ids'][0]}", headers=headers
            ) as response,
        ):
            assert response.status == 200
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=10) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
