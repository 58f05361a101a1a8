"""An index built by an older version is rebuilt from the catalog when `open_archive` opens the archive."""

from __future__ import annotations

import json

import pytest

from archive.opening import open_archive
from archive.store import Archive, IndexNeedsRebuild
from heard import heard_words, occurrences, phrase_near
from index.generations import META_FILE, current

pytestmark = pytest.mark.slow


def current_meta(archive_dir):
    """The metadata of the index generation readers open (a rebuild makes a new one beside the old)."""
    return current(archive_dir / "index") / META_FILE


def test_old_index_is_rebuilt_from_the_catalog(archive_copy):
    # a phrase the real transcript holds, about where the script says "My name is Nora Fields"
    phrase, _ = phrase_near(heard_words(archive_copy, 1)[1], 86.2, n=4)  # never None: speech is there
    expected = occurrences(archive_copy, phrase)
    with Archive(archive_copy) as archive:
        before = archive.index.search(f'"{phrase}"')
    meta = next((archive_copy / "index").glob("*.json"))
    data = json.loads(meta.read_text())
    data["schema_version"] = -1
    meta.write_text(json.dumps(data))
    with Archive(archive_copy) as archive:  # the archive itself only says so
        with pytest.raises(IndexNeedsRebuild, match="reindex"):
            archive.index
    assert json.loads(meta.read_text())["schema_version"] == -1
    with open_archive(archive_copy) as archive:
        after = archive.index.search(f'"{phrase}"')
    assert before.total == after.total == expected >= 1
    assert after.hits[0].start == before.hits[0].start
    assert json.loads(current_meta(archive_copy).read_text())["schema_version"] != -1  # a new generation


def test_an_archive_opened_lazily_rebuilds_an_old_index_on_the_first_search(archive_copy):
    # the app opens the archive without its index (start-up stays light): the first search
    # makes the same decision as open_archive
    from archive.search import SearchRequest, search

    phrase, _ = phrase_near(heard_words(archive_copy, 1)[1], 86.2, n=4)
    meta = next((archive_copy / "index").glob("*.json"))
    data = json.loads(meta.read_text())
    data["schema_version"] = -1
    meta.write_text(json.dumps(data))
    with Archive(archive_copy) as archive:
        res = search(archive, SearchRequest(query=f'"{phrase}"'))
    assert res.total == occurrences(archive_copy, phrase) >= 1
    assert json.loads(current_meta(archive_copy).read_text())["schema_version"] != -1  # a new generation
