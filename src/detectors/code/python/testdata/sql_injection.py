"""SQL injection (CWE-89): sqlite3, Django raw queries, SQLAlchemy text()."""
import sqlite3

from django.db import connection
from django.http import JsonResponse
from sqlalchemy import text

from .models import User

db = sqlite3.connect("app.db")


def find_user(name):
    cur = db.cursor()
    # ruleid: python/sql-injection
    cur.execute("SELECT * FROM users WHERE name = '%s'" % name)
    return cur.fetchall()


def user_search(request):
    term = request.GET["q"]
    find_user(term)
    with connection.cursor() as cursor:
        # ruleid: python/sql-injection
        cursor.execute(f"SELECT id FROM items WHERE title LIKE '%{term}%'")
        # ok: python/sql-injection
        cursor.execute("SELECT id FROM items WHERE title LIKE %s", ["%" + term + "%"])
    query = "SELECT * FROM orders WHERE owner = '" + request.POST.get("owner") + "'"
    # ruleid: python/sql-injection
    rows = User.objects.raw(query)
    order = request.GET.get("order")
    # ruleid: python/sql-injection
    User.objects.raw("SELECT * FROM users ORDER BY {}".format(order))
    # ok: python/sql-injection
    User.objects.raw("SELECT * FROM users WHERE id = %s", [request.GET.get("id")])
    return JsonResponse({"rows": len(list(rows))})


def user_detail(request, user_id):
    cur = db.cursor()
    # ruleid: python/sql-injection
    cur.execute("SELECT * FROM users WHERE id = " + user_id)
    # ok: python/sql-injection
    cur.execute("SELECT * FROM users WHERE id = ?", (user_id,))
    # ok: python/sql-injection
    cur.execute("SELECT * FROM users WHERE id = %d" % int(user_id))
    return JsonResponse({})


def report(session, request):
    status = request.GET["status"]
    # ruleid: python/sql-injection
    session.execute(text(f"SELECT * FROM tickets WHERE status = '{status}'"))
    # ok: python/sql-injection
    session.execute(text("SELECT * FROM tickets WHERE status = :status"), {"status": status})
    table = "tickets"
    # ok: python/sql-injection
    session.execute(text("SELECT count(*) FROM " + table))


def maintenance():
    cur = db.cursor()
    for t in ("a", "b"):
        # ok: python/sql-injection
        cur.execute("DELETE FROM cache_%s" % t)
