"""Hard-coded credentials (CWE-798)."""
import os

import psycopg2
import requests

# ruleid: python/hardcoded-credentials
DB_PASSWORD = "S3cure!Passw0rd"
# ruleid: python/hardcoded-credentials
api_key = "a8f5f167f44f4964e6c998dee827110c"
# ok: python/hardcoded-credentials
PASSWORD_FIELD = "password"
# ok: python/hardcoded-credentials
TOKEN_URL = "https://auth.example.com/oauth/token"
# ok: python/hardcoded-credentials
SECRET_KEY = os.environ["SECRET_KEY"]
# ok: python/hardcoded-credentials
password = ""
# ok: python/hardcoded-credentials
TOKEN_TYPE = "Bearer"
# ok: python/hardcoded-credentials
admin_password = "changeme"
# ok: python/hardcoded-credentials
PASSWORD_ENV = "DB_PASSWORD"


def connect():
    # ruleid: python/hardcoded-credentials
    return psycopg2.connect(host="db", user="app", password="pr0d-db-pa55")


def connect_from_env():
    # ok: python/hardcoded-credentials
    return psycopg2.connect(host="db", user="app", password=os.environ["DB_PASSWORD"])


# ruleid: python/hardcoded-credentials
def login(user, passwd="letmein2024"):
    return requests.post("https://example.com/login", data={"user": user, "passwd": passwd}, timeout=5)


class Settings:
    # ruleid: python/hardcoded-credentials
    secret_token = "ghx_7d9c2e5a1b3f4e6d8c0a2b4f6e8d0c1a"

    def __init__(self):
        # ruleid: python/hardcoded-credentials
        self.client_secret = "wJalrXUtnFEMIK7MDENGbPxRfiCY"
        # ok: python/hardcoded-credentials
        self.password_prompt = "Enter your password please"


CONFIG = {
    # ruleid: python/hardcoded-credentials
    "password": "hunter2hunter2",
    # ok: python/hardcoded-credentials
    "password": "<your-password>",
}


def check(password):
    # ruleid: python/hardcoded-credentials
    if password == "opensesame42":
        return True
    return False
