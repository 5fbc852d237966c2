"""Weak hashes (CWE-328) and weak ciphers or modes (CWE-327)."""
import hashlib

from Crypto.Cipher import AES, ARC4, DES, Blowfish
from Crypto.Hash import MD5
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def password_digest(password):
    # ruleid: python/weak-hash
    return hashlib.md5(password.encode()).hexdigest()


def token_digest(token):
    # ruleid: python/weak-hash
    h = hashlib.new("sha1")
    h.update(token)
    # ruleid: python/weak-hash
    legacy = MD5.new(token)
    # ruleid: python/weak-hash
    d = hashes.Hash(hashes.SHA1())
    # ruleid: python/weak-hash
    fingerprint = hashlib.sha1(token).hexdigest()
    return h.hexdigest(), legacy, d, fingerprint


def cache_key(data):
    # ok: python/weak-hash
    etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
    # ok: python/weak-hash
    strong = hashlib.sha256(data).hexdigest()
    # ok: python/weak-hash
    blake = hashlib.new("blake2b", data)
    return etag, strong, blake


def encrypt(key, data):
    # ruleid: python/weak-cipher
    c1 = DES.new(key, DES.MODE_CBC)
    # ruleid: python/weak-cipher
    c2 = ARC4.new(key)
    # ruleid: python/weak-cipher
    c3 = Blowfish.new(key, Blowfish.MODE_CBC)
    # ruleid: python/weak-cipher
    c4 = AES.new(key, AES.MODE_ECB)
    # ruleid: python/weak-cipher
    c5 = Cipher(algorithms.AES(key), modes.ECB())
    # ruleid: python/weak-cipher
    c6 = Cipher(algorithms.TripleDES(key), modes.CBC(b"\0" * 8))
    # ok: python/weak-cipher
    c7 = AES.new(key, AES.MODE_GCM)
    # ok: python/weak-cipher
    c8 = Cipher(algorithms.AES(key), modes.GCM(b"\0" * 12))
    return c1, c2, c3, c4, c5, c6, c7, c8, data
