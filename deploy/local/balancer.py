#!/usr/bin/env python3
"""A round-robin TCP balancer for the local cluster: the one client API address in front of
the client-api replicas (what a Kubernetes Service or a load balancer does in production).
Each new connection goes to the next backend that accepts it; a dead backend is skipped.

    balancer.py LISTEN_PORT BACKEND_PORT [BACKEND_PORT ...]     (all on 127.0.0.1)
"""
import asyncio
import itertools
import sys


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def main():
    listen = int(sys.argv[1])
    backends = [int(p) for p in sys.argv[2:]]
    ring = itertools.cycle(backends)

    async def handle(client_reader, client_writer):
        for _ in range(len(backends)):
            port = next(ring)
            try:
                up_reader, up_writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", port), 2)
            except (OSError, asyncio.TimeoutError):
                continue
            await asyncio.gather(pipe(client_reader, up_writer), pipe(up_reader, client_writer))
            return
        client_writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", listen, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
