"""The Python baseline: N non-streaming POSTs with C concurrent aiohttp tasks.
Usage: /usr/bin/python3 aiohttp_client.py URL N C
  -> prints "requests/s CPU-microseconds-per-request" (the process's CPU while loading)."""
import asyncio, sys, time
import aiohttp

BODY = ('{"model":"omni-dummy","messages":[{"role":"user","content":[{"type":"text","text":"the of and to in is was for"}]}],'
        '"max_completion_tokens":8,"stream":false,"ignore_eos":true,"modalities":["text"]}')

async def main(url, n, c):
    left = [n]
    ok = [0]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=c),
                                     timeout=aiohttp.ClientTimeout(total=10)) as s:
        async def worker():
            while left[0] > 0:
                left[0] -= 1
                async with s.post(url, data=BODY, headers={"Content-Type": "application/json"}) as r:
                    await r.read()
                    ok[0] += r.status == 200
        t0, c0 = time.perf_counter(), time.process_time()
        await asyncio.gather(*[worker() for _ in range(c)])
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"{ok[0] / dt:.1f} {cpu / max(ok[0], 1) * 1e6:.1f}")

asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
