def broken(:
    # ruleid: python/command-injection
    os.system(request.args["x"])

import os
from flask import request


def fine():
    # ruleid: python/command-injection
    os.system(request.args["y"])
