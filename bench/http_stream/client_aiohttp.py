"""Python side of the streaming benchmark: N concurrent SSE streams with
aiohttp (Debian python3-aiohttp), stamping every data line with
perf_counter_ns, as a typical Python benchmark client does.
usage: client_aiohttp.py URL N"""
import asyncio
import json
import sys
import time

import aiohttp


async def one(session, url, body, times):
    async with session.post(url, data=body, headers={"Content-Type": "application/json"}) as resp:
        if resp.status != 200:
            return False
        async for line in resp.content:
            if line.startswith(b"data:"):
                times.append(time.perf_counter_ns())
    return True


async def main(url, n):
    body = json.dumps({"model": "omni-dummy", "stream": True, "modalities": ["text"],
                       "messages": [{"role": "user", "content": "benchmark"}]})
    conn = aiohttp.TCPConnector(limit=n)
    timeout = aiohttp.ClientTimeout(total=300)
    times = [[] for _ in range(n)]
    t0 = time.perf_counter()
    async with aiohttp.ClientSession(connector=conn, timeout=timeout) as s:
        ok = await asyncio.gather(*(one(s, url, body, times[i]) for i in range(n)),
                                  return_exceptions=True)
    wall = time.perf_counter() - t0
    chunks = sum(len(t) - 1 for t, o in zip(times, ok) if o is True)  # minus [DONE]
    failed = sum(1 for o in ok if o is not True)
    print(json.dumps({"chunks": chunks, "failed": failed, "wall_s": wall}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
