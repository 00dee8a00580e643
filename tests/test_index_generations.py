"""Search index generations (issue 12, point 12): a SEARCH_INDEX_DIR given through its
link's target, or under a linked directory, never nests generations, and each swap
leaves the current generation and one previous, nothing else."""

from __future__ import annotations

import os
from pathlib import Path

from catalogue.search.generations import IndexHome, rebuild
from portal.extensions import db
from portal.settings import from_environment


def _rebuild(directory: str | os.PathLike[str]) -> Path:
    return rebuild(db.engine, IndexHome.at(directory), procs=1)[0]


def _everything_under(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*.generations"))


def test_repairs_through_the_resolved_directory_do_not_nest(app, tmp_path):
    link = tmp_path / "search-index"
    first = _rebuild(link)
    assert link.is_symlink()
    # What the settings used to hand over: the link resolved to its generation.
    second = _rebuild(os.path.realpath(link))
    third = _rebuild(os.path.realpath(link))
    assert _everything_under(tmp_path) == ["search-index.generations"]
    assert Path(os.path.realpath(link)) == third.resolve()
    generations = sorted(p.name for p in (tmp_path / "search-index.generations").iterdir())
    assert generations == sorted([second.name, third.name])  # current and one previous
    assert not first.exists()


def test_a_swap_prunes_half_built_generations_and_keeps_one_previous(app, tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    alias = tmp_path / "alias"
    alias.symlink_to(real)  # an instance directory reached through a link
    home = alias / "search-index"
    previous = _rebuild(home)
    half_built = home.parent / "search-index.generations" / "20260101T000000-deadbeef"
    half_built.mkdir()
    (half_built / "_MAIN_1.toc").write_bytes(b"")
    stale_link = home.parent / ".search-index.0123abcd.link"
    stale_link.symlink_to(half_built)
    current = _rebuild(home)
    left = sorted(p.name for p in (real / "search-index.generations").iterdir())
    assert left == sorted([previous.name, current.name])
    assert not stale_link.is_symlink()


def test_settings_keep_the_link_not_its_target(tmp_path, monkeypatch):
    target = tmp_path / "search-index.generations" / "g1"
    target.mkdir(parents=True)
    (tmp_path / "search-index").symlink_to(target)
    monkeypatch.setenv("SEARCH_INDEX_DIR", str(tmp_path / "search-index"))
    assert from_environment(tmp_path)["SEARCH_INDEX_DIR"] == str(tmp_path / "search-index")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SEARCH_INDEX_DIR", "search-index")
    assert from_environment(tmp_path)["SEARCH_INDEX_DIR"] == str(tmp_path / "search-index")
