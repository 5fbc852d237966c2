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


@app.route("/back")
def back():
    nxt = request.args.get("next", "/")
    if nxt.startswith("/") and not nxt.startswith("//"):
        # ok: python/open-redirect
        return redirect(nxt)
    return redirect(url_for("index"))


@app.route("/back2")
def back2():
    nxt = request.args.get("next", "/")
    if nxt.startswith("/"):
        # ruleid: python/open-redirect
        return redirect(nxt)
    return redirect(url_for("index"))
