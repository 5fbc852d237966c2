"""Django class-based views and Django REST framework."""
import os
import subprocess

from django.db import connection
from django.http import HttpResponse
from django.views import View
from rest_framework.response import Response
from rest_framework.views import APIView

ALLOWED_TOOLS = {"ping", "traceroute"}


class ReportView(View):
    def get(self, request, *args, **kwargs):
        sort = self.request.GET.get("sort", "id")
        with connection.cursor() as cursor:
            # ruleid: python/sql-injection
            cursor.execute("SELECT * FROM report ORDER BY " + sort)
            # ok: python/sql-injection
            cursor.execute("SELECT * FROM report WHERE id = %s", [self.kwargs["pk"]])
        # ruleid: python/path-traversal
        return HttpResponse(open("/srv/reports/" + self.kwargs["name"]).read(), content_type="text/plain")


class ToolView(APIView):
    def post(self, request):
        tool = request.data["tool"]
        target = request.data["target"]
        self.run("%s %s" % (tool, target))
        if tool not in ALLOWED_TOOLS:
            return Response(status=400)
        # ok: python/command-injection
        subprocess.run(tool + " --version", shell=True)
        cmd = request.data["cmd"]
        cmd = "uptime"
        # ok: python/command-injection
        os.system(cmd)
        return Response({"ok": True})

    def run(self, line):
        # ruleid: python/command-injection
        return subprocess.check_output(line, shell=True)
