"""Long posting lists kept beside a built segment (catalogue/search/long_postings.py): the
same postings as Whoosh's own blocks, list by list, and an index whose file is missing or
damaged still answers."""

from __future__ import annotations

import pytest

from catalogue import search
from catalogue.search import SearchQuery, search_services
from catalogue.search import long_postings as lp
from catalogue.search.generations import IndexHome
from catalogue.search.whoosh_internals import read_posting_list
from portal.extensions import db
from tests.support import service_data

NAMES = ["Đăng ký khai sinh", "Đăng ký kết hôn", "Đăng ký khai tử", "Cấp giấy phép xây dựng",
         "Cấp lại giấy phép lái xe", "Đăng ký thường trú", "Cấp bản sao trích lục khai sinh"]


@pytest.fixture
def built(app, make_service, monkeypatch):
    """Seven published services, indexed afresh with every list of two or more postings
    kept as "long" (a real catalogue needs 256)."""
    monkeypatch.setattr(lp, "LONG_FROM", 2)
    _publish_all(make_service)
    search.rebuild_index(db.session, procs=1)
    return IndexHome.at(app.config["SEARCH_INDEX_DIR"]).current()


def _publish_all(make_service) -> None:
    for number, name in enumerate(NAMES):
        make_service(status="published", **service_data(code=f"1.00{number:04d}", name=name))


def _codes(q: str) -> list[str]:
    return [hit.service.code for hit in search_services(db.session, SearchQuery(q=q)).hits]


def _fresh_engines() -> None:
    """As a new worker would: nothing kept from an earlier opening of the index."""
    search.close_engines()


def test_every_long_list_holds_the_postings_whoosh_holds(built):
    _codes("khai sinh")
    view = search.engine_for().view
    checked = 0
    for leaf in view.leaves:
        assert leaf.data.long is not None
        for key in leaf.data.long.table:
            field, term = key.split("\x00")
            ids, tf = leaf.data.long.get(field, term)
            whoosh_ids, whoosh_tf = read_posting_list(leaf.data.reader, field, term)
            assert ids.tolist() == whoosh_ids.tolist(), key
            assert tf.tolist() == whoosh_tf.tolist(), key
            checked += 1
        # A segment this small keeps every list: a term not in its table is in no document.
        assert leaf.data.long.complete
        for field, term in (("name", "khongcotu"), ("body", "zzz"), ("code", "9.999999")):
            assert leaf.data.long.get(field, term)[0].tolist() == []
            assert read_posting_list(leaf.data.reader, field, term)[0].tolist() == []
    assert checked > 50  # "dang", "ky", "cap", "giay", "phep", names' pairs, the body's words…


def test_a_big_segment_keeps_only_its_long_lists_and_asks_whoosh_for_the_rest(
        app, make_service, monkeypatch):
    monkeypatch.setattr(lp, "COMPLETE_UP_TO", 3)
    monkeypatch.setattr(lp, "LONG_FROM", 3)
    _publish_all(make_service)
    search.rebuild_index(db.session, procs=1)
    _fresh_engines()
    assert _codes("dang ky khai sinh")[0] == "1.000000"
    long = search.engine_for().view.leaves[0].data.long
    assert not long.complete
    assert long.get("name", "dang")[0].tolist() == [0, 1, 2, 5]  # four names say "Đăng ký"
    assert long.get("name", "hon") is None  # one document: Whoosh's blocks only


def test_without_the_file_the_index_reads_whoosh_and_finds_the_same(built):
    before = {q: _codes(q) for q in ("dang ky", "giay phep", "khai sinh", "cap lai")}
    _fresh_engines()
    for path in built.glob(f"*{lp.SUFFIX}"):
        path.unlink()
    assert {q: _codes(q) for q in before} == before
    assert all(leaf.data.long is None for leaf in search.engine_for().view.leaves)


def test_a_damaged_file_gets_the_index_rebuilt_and_the_search_answered(built, app):
    for path in built.glob(f"*{lp.SUFFIX}"):
        path.write_bytes(path.read_bytes()[: lp.HEADER.size + 10])  # cut short
    _fresh_engines()
    assert _codes("khai sinh")[:2] == ["1.000000", "1.000006"]
    assert IndexHome.at(app.config["SEARCH_INDEX_DIR"]).current() != built


def test_the_segments_of_a_parallel_build_never_keep_every_list(app, make_service, monkeypatch):
    """Each worker of a parallel build writes a share: if each kept every list, a worker
    process serving the index would hold every small table (one per core)."""
    from catalogue.search import build

    monkeypatch.setattr(build, "PARALLEL_FROM", 1)
    _publish_all(make_service)
    search.rebuild_index(db.session, procs=2)
    _fresh_engines()
    assert _codes("dang ky khai sinh")[0] == "1.000000"
    leaves = search.engine_for().view.leaves
    assert len(leaves) == 2 and all(not leaf.data.long.complete for leaf in leaves)


def test_after_edits_every_long_postings_file_belongs_to_a_segment_of_the_index(built, app):
    """A sync may let Whoosh merge the built segment away: its file goes with it."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    from catalogue.operations import Actor, change_status, find_service
    from catalogue.search.state import INDEX_NAME

    _codes("khai sinh")
    # What a segment merged away by Whoosh leaves behind (a merge is Whoosh's choice).
    orphan = built / f"MAIN_merged0away0{lp.SUFFIX}"
    orphan.write_bytes(b"")
    for code in ("1.000001", "1.000002", "1.000003"):
        change_status(db.session, find_service(db.session, code), "archived", Actor("test"))
        db.session.commit()
        _codes("dang ky")  # each search applies the change log: a new segment, maybe a merge
    directory = IndexHome.at(app.config["SEARCH_INDEX_DIR"]).current()
    segments = {s.segment_id() for s in TOC.read(FileStorage(str(directory)), INDEX_NAME).segments}
    files = {p.name[: -len(lp.SUFFIX)] for p in directory.glob(f"*{lp.SUFFIX}")}
    assert files <= segments and not orphan.exists()
    assert files  # the built segment's own file stays
    assert _codes("dang ky khai sinh")[0] == "1.000000"


def test_cards_kept_give_way_to_a_newer_stamp_and_to_time_never_to_an_older_stamp(
        built, monkeypatch):
    """catalogue/search/cards.py: a request that read the stamp before a change must not
    push out the cards read since; and no card outlives KEEP_SECONDS."""
    from catalogue.search import cards

    old, new = (5, 0), (6, 0)
    assert cards.read_cards(db.session, [1], new, catalogue_size=7)[1].code == "1.000000"
    kept = cards._kept[str(db.session.get_bind().url)]
    assert cards.read_cards(db.session, [1], old, catalogue_size=7)[1].code == "1.000000"
    assert cards._kept[str(db.session.get_bind().url)] is kept  # the newer entry stays
    monkeypatch.setattr(cards, "KEEP_SECONDS", 0.0)
    cards.read_cards(db.session, [1], new, catalogue_size=7)
    assert cards._kept[str(db.session.get_bind().url)] is not kept  # grown old: read anew
