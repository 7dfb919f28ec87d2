"""zvws.py: the smallest WebSocket client for zveno-server's event stream (/api/v1/events), for
tests and benchmarks that open many streams from one asyncio process (test-server-events-burst.py,
tests/bench/bench-load.py). Stdlib only; reads server frames (never masked), sends none."""
import asyncio
import base64
import os


async def open_events(port, token, since=None):
    """Sends the upgrade request on a new loopback connection; returns (status line, reader, writer)
    with the response headers read. The caller closes the writer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    query = f"?since={since}" if since is not None else ""
    writer.write((f"GET /api/v1/events{query} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                  f"Authorization: Bearer {token}\r\n\r\n").encode())
    await writer.drain()
    status = (await reader.readline()).decode(errors="replace").strip()
    while await reader.readline() not in (b"\r\n", b""):
        pass
    return status, reader, writer


async def read_frame(reader, idle=None):
    """One frame as (opcode, payload). With @idle (seconds), asyncio.TimeoutError when no frame has
    begun by then; nothing of the stream is consumed in that case, so the caller may read again."""
    start = reader.readexactly(2)
    head = await (asyncio.wait_for(start, idle) if idle is not None else start)
    opcode, length = head[0] & 0x0F, head[1] & 0x7F
    if length == 126:
        length = int.from_bytes(await reader.readexactly(2), "big")
    elif length == 127:
        length = int.from_bytes(await reader.readexactly(8), "big")
    return opcode, await reader.readexactly(length)
