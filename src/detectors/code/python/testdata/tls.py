"""TLS certificate verification disabled (CWE-295)."""
import ssl
import urllib.request

import httpx
import jwt
import requests


def fetch(url):
    # ruleid: python/tls-verification-disabled
    return requests.get(url, verify=False, timeout=5)


def client():
    # ruleid: python/tls-verification-disabled
    return httpx.Client(verify=False)


def context():
    # ruleid: python/tls-verification-disabled
    ctx = ssl._create_unverified_context()
    strict = ssl.create_default_context()
    # ruleid: python/tls-verification-disabled
    strict.check_hostname = False
    # ruleid: python/tls-verification-disabled
    strict.verify_mode = ssl.CERT_NONE
    return ctx, strict


def session_post(payload):
    s = requests.Session()
    # ruleid: python/tls-verification-disabled
    s.post("https://internal.example.com/api", json=payload, verify=False, timeout=5)
    # ok: python/tls-verification-disabled
    s.post("https://internal.example.com/api", json=payload, verify=True, timeout=5)
    # ok: python/tls-verification-disabled
    s.post("https://internal.example.com/api", json=payload, verify="/etc/ssl/internal-ca.pem", timeout=5)


def fine():
    # ok: python/tls-verification-disabled
    ctx = ssl.create_default_context()
    ctx.verify_mode = ssl.CERT_REQUIRED
    # ok: python/tls-verification-disabled
    claims = jwt.decode("x.y.z", options={"verify_signature": True}, algorithms=["HS256"], key="k", verify=False)
    # ok: python/tls-verification-disabled
    return urllib.request.urlopen("https://example.com", context=ctx), claims


def session_factory():
    s = requests.Session()
    # ruleid: python/tls-verification-disabled
    s.verify = False
    # ok: python/tls-verification-disabled
    s.verify = "/etc/ssl/internal-ca.pem"
    return s
