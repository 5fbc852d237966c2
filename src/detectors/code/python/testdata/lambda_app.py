"""AWS Lambda handlers: the event is the input."""
import json
import os
import subprocess

import boto3
import pymysql


def run_report(name):
    # ruleid: python/command-injection
    subprocess.run("report.sh " + name, shell=True, check=True)


def lambda_handler(event, context):
    params = event.get("queryStringParameters") or {}
    name = params.get("name", "")
    run_report(name)
    conn = pymysql.connect(host=os.environ["DB_HOST"], user="app", password=os.environ["DB_PASSWORD"])
    with conn.cursor() as cur:
        # ruleid: python/sql-injection
        cur.execute(f"SELECT * FROM reports WHERE name = '{name}'")
        # ok: python/sql-injection
        cur.execute("SELECT * FROM reports WHERE name = %s", (name,))
    key = event["Records"][0]["s3"]["object"]["key"]
    # ruleid: python/path-traversal
    with open("/tmp/" + key, "wb") as f:
        boto3.client("s3").download_fileobj("bucket", key, f)
    # ok: python/path-traversal
    with open("/tmp/" + os.path.basename(key), "wb") as g:
        g.write(b"")
    # ruleid: python/code-injection
    result = eval(json.loads(event["body"])["expr"])
    # ok: python/command-injection
    subprocess.run(["report.sh", name], check=True)
    return {"statusCode": 200, "body": json.dumps({"result": result})}


class Jobs:
    def __init__(self, table):
        self.table = table

    def _purge(self, cmd):
        # ruleid: python/command-injection
        os.system(cmd)

    def handle(self, event, context):
        self._purge("purge " + event["job"])
        # ok: python/command-injection
        os.system("purge --all")
