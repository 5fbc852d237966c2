"""Taint through objects of the same file: attributes set in one method, read in another."""
import os
import sqlite3

from flask import Flask, request

app = Flask(__name__)


class Backup:
    def __init__(self, target):
        self.target = target
        self.level = 9

    def command(self):
        return "tar -c -z -f /backups/out.tgz " + self.target

    def run(self):
        # ruleid: python/command-injection
        os.system(self.command())
        # ok: python/command-injection
        os.system("nice -n %d true" % self.level)


class Store:
    def __init__(self):
        self.db = sqlite3.connect("app.db")

    def find(self, name):
        # ruleid: python/sql-injection
        return self.db.execute("SELECT * FROM t WHERE name = '" + name + "'").fetchall()

    def find_safe(self, name):
        # ok: python/sql-injection
        return self.db.execute("SELECT * FROM t WHERE name = ?", (name,)).fetchall()


@app.route("/backup")
def backup():
    job = Backup(request.args["dir"])
    job.run()
    store = Store()
    store.find(request.args["name"])
    store.find_safe(request.args["name"])
    return "started"
