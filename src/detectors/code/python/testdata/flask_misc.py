"""More Flask shapes: shell lists, ORM extra(), typed responses, confined paths, app secrets."""
import json
import os
import subprocess

from flask import Flask, Response, redirect, request, url_for
from werkzeug.security import safe_join

from .models import Article

app = Flask(__name__)
# ruleid: python/hardcoded-credentials
app.secret_key = "super secret key"
# ruleid: python/hardcoded-credentials
app.config["SECRET_KEY"] = "9f8e7d6c5b4a3210"
# ok: python/hardcoded-credentials
app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "")
UPLOADS = "/srv/uploads"


@app.route("/grep")
def grep():
    pattern = request.args["q"]
    # ruleid: python/command-injection
    out = subprocess.check_output(["bash", "-c", "grep -r " + pattern + " /srv/docs"])
    # ok: python/command-injection
    out2 = subprocess.check_output(["grep", "-r", "--", pattern, "/srv/docs"])
    # ok: python/xss
    return Response(json.dumps({"out": out.decode(), "out2": out2.decode(), "q": pattern}), mimetype="application/json")


@app.route("/articles")
def articles():
    order = request.args.get("order", "id")
    # ruleid: python/sql-injection
    rows = Article.objects.extra(where=["status = '%s'" % request.args["status"]], order_by=["id"])
    # ruleid: python/xss
    return Response("<ul>" + order + "".join(str(r) for r in rows) + "</ul>")


@app.route("/file")
def file():
    name = request.args["name"]
    path = os.path.join(UPLOADS, name)
    if not os.path.abspath(path).startswith(UPLOADS):
        return "no", 400
    # ok: python/path-traversal
    with open(path) as f:
        data = f.read()
    joined = safe_join(UPLOADS, request.args["other"])
    # ok: python/path-traversal
    with open(joined) as g:
        data += g.read()
    # ok: python/xss
    return Response(data, mimetype="text/plain")


@app.route("/after-login")
def after_login():
    # ruleid: python/open-redirect
    return redirect(request.args.get("next") or url_for("index"))
