"""Code injection (CWE-95): eval/exec/compile of input."""
import ast

from flask import Flask, request

app = Flask(__name__)


def calculate(expression):
    # ruleid: python/code-injection
    return eval(expression)


@app.post("/calc")
def calc():
    expr = request.json["expr"]
    calculate(expr)
    # ruleid: python/code-injection
    exec(f"result = {expr}")
    code = request.form.get("code")
    # ruleid: python/code-injection
    compiled = compile(code, "<user>", "exec")
    # ok: python/code-injection
    value = ast.literal_eval(request.args["value"])
    # ok: python/code-injection
    eval("1 + 2")
    # ok: python/code-injection
    exec("import math")
    return {"value": value, "compiled": str(compiled)}


def console():
    line = input("> ")
    # ruleid: python/code-injection
    eval(line)
