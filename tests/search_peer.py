"""Another portal process on the same database, driven by a test through stdin/stdout.

Each line in is a JSON command; each line out is its JSON answer. The process keeps its
search engine warm between commands, as a gunicorn worker does between requests.
"""

from __future__ import annotations

import json
import sys

from sqlalchemy import select

from catalogue.models import Agency, Field
from catalogue.operations import (
    Actor,
    change_status,
    content_of,
    create_service,
    find_service,
    update_service,
)
from catalogue.search import SearchQuery, search_services
from catalogue.validation import validate_service
from portal import create_app
from portal.extensions import db


def clean(data: dict) -> dict:
    if data.get("level") == 3 and "online_kind" not in data:
        # Published today, a partial service states why (Decree 224/2026).
        data = {**data, "partial_reason": "presence"}
    return validate_service(data, agency_codes=set(db.session.scalars(select(Agency.code))),
                            field_codes=set(db.session.scalars(select(Field.code))))


def handle(command: dict) -> dict:
    op = command["op"]
    if op == "search":
        result = search_services(db.session, SearchQuery(q=command["q"]))
        return {"codes": [hit.service.code for hit in result.hits], "total": result.total}
    if op == "publish":
        service = create_service(db.session, clean(command["data"]), Actor("peer"))
        change_status(db.session, service, "published", Actor("peer"))
    elif op == "rename":
        service = find_service(db.session, command["code"])
        data = content_of(service) | {"name": command["name"]}
        update_service(db.session, service, clean(data), Actor("peer"), expected_version=service.version)
    elif op == "archive":
        change_status(db.session, find_service(db.session, command["code"]), "archived", Actor("peer"))
    db.session.commit()
    return {"ok": True}


def main() -> None:
    url, index_dir = sys.argv[1], sys.argv[2]
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SEARCH_INDEX_DIR": index_dir,
                      "SECRET_KEY": "peer", "TESTING": True})
    with app.app_context():
        print(json.dumps({"ready": True}), flush=True)
        for line in sys.stdin:
            command = json.loads(line)
            if command["op"] == "quit":
                break
            try:
                answer = handle(command)
            except Exception as exc:  # noqa: BLE001 - reported to the test, which fails
                db.session.rollback()
                answer = {"error": f"{type(exc).__name__}: {exc}"}
            finally:
                db.session.remove()
            print(json.dumps(answer), flush=True)
        db.engine.dispose()


if __name__ == "__main__":
    main()
