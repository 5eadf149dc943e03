"""The disk cache (start maps and Dash's job-signing secret) lives in a private folder."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from gradscape.app import background


def _mode(p: Path) -> int:
    return stat.S_IMODE(os.lstat(p).st_mode)


@pytest.fixture
def fresh(monkeypatch):
    """No cache folder checked yet in this process, no overrides."""
    monkeypatch.setattr(background, "_private", set())
    monkeypatch.delenv("GRADSCAPE_CACHE_DIR", raising=False)
    monkeypatch.delenv("GRADSCAPE_REDIS_URL", raising=False)


def test_the_default_is_under_xdg_cache_home_with_mode_0700(fresh, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    path = background.cache_dir()
    assert path == tmp_path / "xdg" / "gradscape"
    assert path.is_dir() and _mode(path) == 0o700
    assert os.lstat(path).st_uid == os.getuid()
    assert not str(path).startswith("/tmp/gradscape-cache")


def test_without_xdg_it_is_under_the_home_cache(fresh, monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = background.cache_dir()
    assert path == tmp_path / "home" / ".cache" / "gradscape"
    assert _mode(path) == 0o700


def test_the_manager_and_its_signing_secret_use_the_private_folder(fresh, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    manager = background.make_manager()
    assert Path(manager.handle.directory) == tmp_path / "xdg" / "gradscape"
    secret = manager.get_or_create_signing_secret(lambda: "s3cret")
    assert secret == "s3cret"
    assert _mode(tmp_path / "xdg" / "gradscape") == 0o700


def test_a_folder_open_to_others_is_repaired(fresh, monkeypatch, tmp_path, caplog):
    path = tmp_path / "cache"
    path.mkdir()
    os.chmod(path, 0o777)
    monkeypatch.setenv("GRADSCAPE_CACHE_DIR", str(path))
    assert background.cache_dir() == path
    assert _mode(path) == 0o700
    assert "made it private" in caplog.text


def test_a_symlink_is_refused(fresh, monkeypatch, tmp_path):
    (tmp_path / "elsewhere").mkdir(mode=0o700)
    (tmp_path / "cache").symlink_to(tmp_path / "elsewhere")
    monkeypatch.setenv("GRADSCAPE_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(background.CacheDirError, match="symlink"):
        background.cache_dir()


def test_a_folder_of_another_user_is_refused(fresh, monkeypatch, tmp_path):
    path = tmp_path / "cache"
    path.mkdir(mode=0o700)
    if os.getuid() == 0:
        os.chown(path, 12345, 12345)  # as root: give it away
    else:  # not root: pretend this process is someone else
        real = os.getuid()
        monkeypatch.setattr(background.os, "getuid", lambda: real + 1)
    monkeypatch.setenv("GRADSCAPE_CACHE_DIR", str(path))
    with pytest.raises(background.CacheDirError, match="belongs to user id"):
        background.cache_dir()
    assert _mode(path) == 0o700  # left as it was


def test_a_file_in_the_way_is_refused(fresh, monkeypatch, tmp_path):
    (tmp_path / "cache").write_text("not a folder")
    monkeypatch.setenv("GRADSCAPE_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(background.CacheDirError, match="not a folder"):
        background.cache_dir()
