"""Today's communes and the old place names: loaded whole, found as people type them."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from catalogue.models import Commune, OldPlace
from catalogue.places import load_places, read_place_data
from catalogue.text import fold
from portal.extensions import db

DATA = read_place_data()


@pytest.fixture
def places(app):
    load_places(db.session, DATA)
    db.session.commit()


def slugs(client, q: str) -> list[str]:
    response = client.get("/api/v1/places", query_string={"q": q})
    assert response.status_code == 200
    return [p["slug"] for p in response.get_json()["places"]]


def test_the_command_loads_all_102_units_and_292_rows_and_twice_changes_nothing(runner):
    first = runner.invoke(args=["load-places"])
    assert first.exit_code == 0, first.output
    assert "102 xã, phường" in first.output and "292 dòng" in first.output
    assert "VietMap" in first.output
    second = runner.invoke(args=["load-places"])
    assert second.exit_code == 0 and "(0 mới)" in second.output
    assert db.session.scalar(select(func.count()).select_from(Commune)) == 102
    assert db.session.scalar(select(func.count()).select_from(OldPlace)) == 292
    kinds = dict(db.session.execute(select(Commune.kind, func.count()).group_by(Commune.kind)).all())
    assert kinds == {"xã": 88, "phường": 14}


def test_every_old_commune_finds_its_unit_of_today_with_and_without_diacritics(client, places):
    slug_of = {u["name_with_kind"]: u["slug"] for u in DATA.units}
    missing = []
    for row in DATA.rows:
        wanted = slug_of[row["new_commune"]]
        for typed in (row["old_commune"], fold(row["old_commune"])):
            if wanted not in slugs(client, typed):
                missing.append((typed, row["new_commune"]))
    assert missing == []


def test_the_examples_of_the_issue(client, places):
    assert slugs(client, "xa hoa thuan")[0] == "tan-an"
    krong_pac = slugs(client, "huyen krong pac")
    became = sorted({u["slug"] for u in DATA.units for r in DATA.rows
                     if r["old_district"] == "Huyện Krông Pắc" and r["new_commune"] == u["name_with_kind"]})
    assert sorted(krong_pac) == became and len(became) > 3
    body = client.get("/api/v1/places?q=Phường Tân An").get_json()
    assert body["places"][0] == {"slug": "tan-an", "name": "Tân An", "kind": "phường"}


def test_todays_names_typed_in_part_and_apostrophes(client, places):
    assert "tan-an" in slugs(client, "tan a")
    assert slugs(client, "huyện Ea H'Leo") == slugs(client, "huyen ea hleo") != []


@pytest.mark.parametrize("q", ["", "   ", "zzzz", "'" * 50, "x" * 5000, "\x00"])
def test_nothing_to_find_is_an_empty_list(client, places, q):
    response = client.get("/api/v1/places", query_string={"q": q})
    assert response.status_code == 200
    assert response.get_json() == {"places": []}


def test_shipped_data_keeps_its_licence_and_attribution():
    from importlib import resources

    folder = resources.files("catalogue") / "data"
    assert "VietMap" in (folder / "LICENSE-vietmap").read_text(encoding="utf-8")
    units = json.loads((folder / "daklak-communes-2025.json").read_text(encoding="utf-8"))
    assert "VietMap" in units["source"] and len(units["units"]) == 102
