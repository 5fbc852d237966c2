"""aiohttp web handlers: request.query and request.match_info."""
import asyncio

from aiohttp import web


async def lookup(request):
    host = request.query["host"]
    # ruleid: python/command-injection
    proc = await asyncio.create_subprocess_shell("dig " + host)
    # ok: python/command-injection
    other = await asyncio.create_subprocess_exec("dig", host)
    name = request.match_info["name"]
    # ruleid: python/code-injection
    result = eval(name)
    # ok: python/code-injection
    total = eval("1 + 1")
    return web.json_response({"rc": proc.returncode, "other": other.pid, "result": result, "total": total})
