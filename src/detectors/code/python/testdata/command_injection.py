"""Command injection (CWE-78): Flask request data into shells."""
import os
import shlex
import subprocess

from flask import Flask, request

app = Flask(__name__)


def run_tool(arg):
    # ruleid: python/command-injection
    return os.popen("tool --input " + arg).read()


def build_command(host):
    return f"ping -c 1 {host}"


@app.route("/ping")
def ping():
    host = request.args.get("host")
    # ruleid: python/command-injection
    os.system("ping -c 1 " + host)
    # ruleid: python/command-injection
    subprocess.call(f"nslookup {host}", shell=True)
    cmd = build_command(host)
    # ruleid: python/command-injection
    subprocess.check_output(cmd, shell=True)
    run_tool(request.form["file"])
    # ruleid: python/command-injection
    subprocess.Popen(request.values["prog"])
    # ok: python/command-injection
    subprocess.run(["ping", "-c", "1", host])
    args = ["nslookup", host]
    # ok: python/command-injection
    subprocess.check_call(args)
    # ok: python/command-injection
    os.system("ping -c 1 " + shlex.quote(host))
    # ok: python/command-injection
    subprocess.run("uptime", shell=True)
    # ok: python/command-injection
    os.system("ls -l /var/log")
    count = int(request.args.get("count", "1"))
    # ok: python/command-injection
    subprocess.call("ping -c %d localhost" % count, shell=True)
    return "ok"


def from_environment():
    editor = os.environ.get("EDITOR")
    # ruleid: python/command-injection
    os.system(editor + " notes.txt")


def from_cli():
    import sys
    target = sys.argv[1]
    # ruleid: python/command-injection
    subprocess.run("tar czf backup.tgz " + target, shell=True)


@app.route("/ls")
def ls():
    import shlex as sh
    d = request.args["dir"]
    # ok: python/command-injection
    subprocess.run(sh.split(f"ls -l {d}"))
    # ruleid: python/command-injection
    subprocess.run(sh.split(d))
    return "ok"
