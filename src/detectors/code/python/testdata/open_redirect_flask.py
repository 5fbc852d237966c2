"""Open redirect (CWE-601): Flask."""
from flask import Flask, redirect, request, url_for

app = Flask(__name__)


@app.route("/go")
def go():
    # ruleid: python/open-redirect
    return redirect(request.args["url"])


@app.route("/out")
def out():
    dest = "https://" + request.args.get("host", "example.com")
    # ruleid: python/open-redirect
    return redirect(dest)


@app.route("/home")
def home():
    # ok: python/open-redirect
    return redirect(url_for("index"))


@app.route("/docs/<page>")
def docs(page):
    # ok: python/open-redirect
    return redirect(f"https://docs.example.com/{page}")
