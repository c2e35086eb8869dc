"""The service's per-user cache: a snapshot is reused within ``serve_cache_seconds`` and let go after it, so a
process holds the users it served lately, not everyone it ever served."""

from __future__ import annotations

from typing import Any

import pytest

from weaviate_recsys.serve import app as service_app
from weaviate_recsys.serve.app import ServiceState


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _state(sample_store: Any, clock: Clock, seconds: float = 5.0) -> ServiceState:
    client, settings = sample_store
    return ServiceState(settings.model_copy(update={"serve_cache_seconds": seconds}), client=client, clock=clock)


def test_a_snapshot_is_reused_within_the_cache_time_and_read_again_after_it(sample_store: Any) -> None:
    clock = Clock()
    state = _state(sample_store, clock)
    first = state.user("u000")
    clock.now += 4
    assert state.user("u000") is first
    clock.now += 2
    assert state.user("u000") is not first


def test_expired_snapshots_are_let_go_as_new_users_come_in(sample_store: Any) -> None:
    clock = Clock()
    state = _state(sample_store, clock)
    state.user("u000")
    state.user("u001")
    assert state.cached_users() == ["u000", "u001"]
    clock.now += 6
    state.user("u002")
    assert state.cached_users() == ["u002"]


def test_past_the_cap_the_least_recently_used_user_goes_first(
    sample_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_app, "MAX_CACHED_USERS", 2)
    clock = Clock()
    state = _state(sample_store, clock, seconds=3600)
    state.user("u000")
    state.user("u001")
    state.user("u000")  # used again: u001 is now the least recently used
    state.user("u002")
    assert sorted(state.cached_users()) == ["u000", "u002"]


def test_forgetting_a_user_drops_their_snapshot(sample_store: Any) -> None:
    state = _state(sample_store, Clock())
    state.user("u000")
    state.forget("u000")
    assert state.cached_users() == []


def test_with_no_cache_time_nothing_is_kept(sample_store: Any) -> None:
    state = _state(sample_store, Clock(), seconds=0)
    assert state.user("u000") is not state.user("u000")
    assert state.cached_users() == []
