"""Tornado handlers (self.get_argument) and helpers."""
import os
import subprocess

import tornado.web


class ExportHandler(tornado.web.RequestHandler):
    def get(self):
        fmt = self.get_argument("format")
        # ruleid: python/command-injection
        os.system("export --format " + fmt)
        # ok: python/command-injection
        subprocess.run(["export", "--format", fmt])
        path = self.get_query_argument("path")
        # ruleid: python/path-traversal
        with open(os.path.join("/srv/exports", path)) as f:
            self.write(f.read())
        # ok: python/path-traversal
        with open(os.path.join("/srv/exports", os.path.basename(path))) as g:
            self.write(g.read())
