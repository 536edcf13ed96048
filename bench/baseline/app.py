"""The comparison stack: the original Flask + pg8000 design, reduced to the greeting route.

It answers `GET /greeting/<id>` with the same query on the same table as hello-server, as
text/plain (what a load generator without an Accept header gets from hello-server too), and
`GET /healthz` without touching the database. One connection per gunicorn worker, opened on
first use and reopened after an error, with the statement prepared once per connection.
"""

import os
from urllib.parse import urlsplit

import pg8000.native
from flask import Flask, Response

QUERY = "SELECT message FROM greetings WHERE id = :id"

app = Flask(__name__)
_db = {"conn": None, "stmt": None}


def _connect():
    url = urlsplit(os.environ["DATABASE_URL"])
    conn = pg8000.native.Connection(
        user=url.username,
        password=url.password,
        host=url.hostname,
        port=url.port or 5432,
        database=url.path.lstrip("/"),
        timeout=5,
    )
    _db["conn"], _db["stmt"] = conn, conn.prepare(QUERY)


def _message(greeting_id):
    if _db["stmt"] is None:
        _connect()
    try:
        rows = _db["stmt"].run(id=greeting_id)
    except (pg8000.native.InterfaceError, pg8000.native.DatabaseError):
        _db["conn"] = _db["stmt"] = None
        raise
    return rows[0][0] if rows else None


@app.get("/greeting/<int:greeting_id>")
def greeting(greeting_id):
    message = _message(greeting_id)
    if message is None:
        return Response("not found\n", status=404, mimetype="text/plain")
    return Response(message + "\n", mimetype="text/plain")


@app.get("/healthz")
def healthz():
    return Response("ok\n", mimetype="text/plain")
