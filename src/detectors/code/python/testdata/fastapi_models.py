"""FastAPI: body models, path and query parameters, dependencies."""
import sqlite3

from fastapi import Depends, FastAPI
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from pydantic import BaseModel

app = FastAPI()
router = app


class Item(BaseModel):
    name: str
    owner: str


def get_db():
    return sqlite3.connect("app.db")


def settings_path() -> str:
    return "/etc/app/settings.toml"


@router.post("/items")
def create_item(item: Item, db=Depends(get_db)):
    # ruleid: python/sql-injection
    db.execute(f"INSERT INTO items (name) VALUES ('{item.name}')")
    # ok: python/sql-injection
    db.execute("INSERT INTO items (owner) VALUES (?)", (item.owner,))
    return {"ok": True}


@app.get("/files/{name}")
async def files(name: str, download: bool = False):
    # ruleid: python/path-traversal
    return FileResponse(f"/srv/files/{name}")


@app.get("/config")
def config(path: str = Depends(settings_path)):
    # ok: python/path-traversal
    return FileResponse(path)


@app.get("/page", response_class=HTMLResponse)
def page(title: str):
    # ruleid: python/xss
    return HTMLResponse(f"<h1>{title}</h1>")


@app.get("/json")
def json_page(title: str):
    # ok: python/xss
    return {"title": f"<h1>{title}</h1>"}


@app.get("/next")
def next_page(url: str):
    # ruleid: python/open-redirect
    return RedirectResponse(url)


@app.get("/orders/{order_id}")
def order(order_id: int, note: str, db=Depends(get_db)):
    # ok: python/sql-injection
    db.execute(f"SELECT * FROM orders WHERE id = {order_id}")
    # ruleid: python/sql-injection
    db.execute(f"SELECT * FROM orders WHERE note = '{note}'")
    return {}
