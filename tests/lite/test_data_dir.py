"""The data directory is private to its owner (0700, store files 0600, whatever the umask), and a
data directory the server cannot use is reported as such, naming the path, not as a port problem."""

from __future__ import annotations

import os
import stat

import pytest

import weaviate_recsys.lite as lite
from weaviate_recsys.errors import ConfigurationError
from weaviate_recsys.lite.storage import store_path


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(params=[0o022, 0o000], ids=["umask022", "umask000"])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_a_new_data_dir_and_its_store_files_are_owner_only(tmp_path, umask) -> None:
    data = tmp_path / "parent" / "store"
    with lite.start(data) as server:
        files = [
            store_path(str(data)),
            store_path(str(data)) + "-wal",
            store_path(str(data)) + "-shm",
            os.path.join(str(data), "lite.lock"),
        ]
        assert server.db is not None
        server.db.create_class({"class": "Note", "properties": [{"name": "t", "dataType": ["text"]}]})
        assert _mode(data) == 0o700
        assert {f: _mode(f) for f in files if os.path.exists(f)} == {f: 0o600 for f in files}
    assert _mode(store_path(str(data))) == 0o600


def test_an_existing_world_readable_store_is_made_owner_only(tmp_path) -> None:
    data = tmp_path / "store"
    with lite.start(data):
        pass
    os.chmod(store_path(str(data)), 0o644)
    with lite.start(data):
        assert _mode(store_path(str(data))) == 0o600


def test_a_data_dir_that_is_a_file_is_reported_with_its_path(tmp_path) -> None:
    path = tmp_path / "store"
    path.write_text("a file, not a directory")
    with pytest.raises(ConfigurationError, match=f"data directory {path} is not a directory"):
        lite.start(path)
    with pytest.raises(ConfigurationError, match=f"data directory {path / 'below'} cannot be created"):
        lite.start(path / "below")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only directories")
def test_a_read_only_data_dir_is_reported_as_such(tmp_path) -> None:
    data = tmp_path / "store"
    with lite.start(data):
        pass
    os.chmod(data, 0o500)
    try:
        with pytest.raises(ConfigurationError, match=f"{data} is not writable") as e:
            lite.start(data)
        assert "bind" not in str(e.value)
    finally:
        os.chmod(data, 0o700)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only files")
def test_a_read_only_store_file_is_reported_as_such(tmp_path) -> None:
    data = tmp_path / "store"
    with lite.start(data):
        pass
    os.chmod(store_path(str(data)), 0o400)
    try:
        with pytest.raises(ConfigurationError, match="cannot be opened for writing"):
            lite.start(data)
    finally:
        os.chmod(store_path(str(data)), 0o600)
