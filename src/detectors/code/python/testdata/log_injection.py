"""Log injection (CWE-117): request data into logs."""
import logging

from flask import Flask, request

app = Flask(__name__)
logger = logging.getLogger(__name__)


def audit(user):
    # ruleid: python/log-injection
    logger.warning("login failed for %s", user)


@app.route("/login", methods=["POST"])
def login():
    user = request.form["user"]
    # ruleid: python/log-injection
    logging.info("login attempt: " + user)
    # ruleid: python/log-injection
    app.logger.info(f"user agent {request.headers.get('User-Agent')}")
    audit(user)
    clean = user.replace("\r", "").replace("\n", "")
    # ok: python/log-injection
    logger.info("login attempt: %s", clean)
    # ok: python/log-injection
    logger.info("login attempt from %d", int(request.form["uid"]))
    # ok: python/log-injection
    logger.info("login endpoint called")
    return "ok"
