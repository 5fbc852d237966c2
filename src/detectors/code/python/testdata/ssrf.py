"""SSRF (CWE-918): FastAPI parameters into HTTP clients."""
import os
import urllib.request

import httpx
import requests
from fastapi import Depends, FastAPI, Request

app = FastAPI()
API = "https://api.example.com/"


def fetch(url):
    # ruleid: python/ssrf
    return requests.get(url, timeout=5).text


@app.get("/preview")
def preview(url: str):
    # ruleid: python/ssrf
    requests.get(url, timeout=5)
    fetch(url)
    # ruleid: python/ssrf
    urllib.request.urlopen(url)
    return {"ok": True}


@app.post("/hook/{host}")
async def hook(host: str, request: Request):
    body = await request.json()
    async with httpx.AsyncClient() as client:
        # ruleid: python/ssrf
        await client.post(f"https://{host}/callback", json=body)
        # ruleid: python/ssrf
        await client.get(body["callback"])
        # ok: python/ssrf
        await client.get(API + "status/" + host)
    return {}


@app.get("/user/{user_id}")
def user(user_id: str, token: str = Depends(lambda: "x")):
    session = requests.Session()
    # ok: python/ssrf
    session.get(f"https://api.example.com/users/{user_id}", timeout=5)
    # ok: python/ssrf
    requests.get("https://api.example.com/health", timeout=5)
    # ok: python/ssrf
    urllib.request.urlopen("https://example.com/feed.xml")
    # ok: python/ssrf
    requests.get(os.environ["UPSTREAM_URL"], timeout=5)
    # ruleid: python/ssrf
    session.get(user_id, timeout=5)
    return {}


API_BASE = "https://billing.example.com"


@app.get("/invoice/{invoice_id}")
def invoice(invoice_id: str, host: str):
    # ok: python/ssrf
    requests.get(f"{API_BASE}/invoices/{invoice_id}", timeout=5)
    # ruleid: python/ssrf
    requests.get(f"https://{host}{API_BASE}", timeout=5)
    return {}
