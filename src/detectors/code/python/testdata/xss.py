"""XSS (CWE-79): Flask responses built from input."""
from flask import Flask, jsonify, make_response, render_template, render_template_string, request
from markupsafe import Markup, escape

app = Flask(__name__)


def greeting(name):
    return "<h1>Hello " + name + "</h1>"


@app.route("/hello")
def hello():
    name = request.args.get("name", "")
    # ruleid: python/xss
    return f"<p>Hello {name}</p>"


@app.route("/hello2")
def hello2():
    # ruleid: python/xss
    return greeting(request.args["name"])


@app.route("/template")
def template():
    tpl = request.args.get("tpl")
    # ruleid: python/xss
    return render_template_string("<div>" + tpl + "</div>")


@app.route("/resp")
def resp():
    msg = request.cookies.get("msg")
    # ruleid: python/xss
    r = make_response("<b>%s</b>" % msg)
    # ruleid: python/xss
    banner = Markup(msg)
    return r if banner else ""


@app.route("/safe")
def safe():
    name = request.args.get("name", "")
    # ok: python/xss
    return f"<p>Hello {escape(name)}</p>"


@app.route("/safe2")
def safe2():
    name = request.args.get("name", "")
    # ok: python/xss
    return render_template("hello.html", name=name)


@app.route("/safe3")
def safe3():
    # ok: python/xss
    return jsonify({"name": request.args.get("name")})


@app.route("/safe4")
def safe4():
    # ok: python/xss
    return {"name": request.args.get("name")}


@app.route("/safe5")
def safe5():
    # ok: python/xss
    return Markup("<b>static</b>")


@app.route("/item/<int:item_id>")
def item(item_id):
    # ok: python/xss
    return f"<p>Item {item_id}</p>"


@app.route("/tag/<tag>")
def tag(tag):
    # ruleid: python/xss
    return f"<p>Tag {tag}</p>"
