"""Path traversal (CWE-22): files named by the request."""
import os
import shutil

from flask import Flask, request, send_file, send_from_directory
from werkzeug.utils import secure_filename

app = Flask(__name__)
BASE = "/srv/files"


def read_doc(name):
    # ruleid: python/path-traversal
    with open(os.path.join(BASE, name)) as f:
        return f.read()


@app.route("/download/<path:filename>")
def download(filename):
    # ruleid: python/path-traversal
    return send_file(os.path.join(BASE, filename))


@app.route("/doc")
def doc():
    read_doc(request.args["name"])
    name = request.args.get("name")
    # ruleid: python/path-traversal
    data = open(f"{BASE}/{name}").read()
    # ok: python/path-traversal
    safe = open(os.path.join(BASE, os.path.basename(name))).read()
    # ok: python/path-traversal
    other = open(os.path.join(BASE, secure_filename(name))).read()
    # ok: python/path-traversal
    return send_from_directory(BASE, name) if data and safe and other else ""


@app.route("/checked")
def checked():
    name = request.args["name"]
    full = os.path.realpath(os.path.join(BASE, name))
    if not full.startswith(BASE + os.sep):
        return "forbidden", 403
    # ok: python/path-traversal
    return open(full).read()


@app.route("/unchecked")
def unchecked():
    name = request.args["name"]
    if not name.startswith("reports/"):
        return "forbidden", 403
    # ruleid: python/path-traversal
    return open(os.path.join(BASE, name)).read()


@app.route("/upload", methods=["POST"])
def upload():
    f = request.files["file"]
    # ruleid: python/path-traversal
    f.save(os.path.join("/srv/uploads", f.filename))
    # ok: python/path-traversal
    f.save(os.path.join("/srv/uploads", secure_filename(f.filename)))
    target = request.form["target"]
    # ruleid: python/path-traversal
    shutil.copy("/srv/template.txt", target)
    # ok: python/path-traversal
    shutil.copy("/srv/template.txt", "/srv/out.txt")
    return "ok"


@app.route("/notes/<name>")
def notes(name):
    from pathlib import Path
    # ruleid: python/path-traversal
    text = (Path(BASE) / name).read_text()
    # ok: python/path-traversal
    other = (Path(BASE) / "index.txt").read_text()
    return {"text": text, "other": other}
