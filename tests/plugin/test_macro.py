"""Event weights (kind, rating relative to the user's mean, recency) and the macro domain blend."""

from __future__ import annotations

import numpy as np

from weaviate_recsys.plugin.macro import (
    blend_distributions,
    event_weights,
    later_events,
    normalize_distribution,
    rating_factors,
    recency_weights,
    top_domains,
)

NAN = np.nan


def test_low_rating_relative_to_the_users_mean_counts_against() -> None:
    user = np.array([0, 0, 0, 1, 1])
    f = rating_factors(user, np.array([5.0, 5.0, 1.0, 3.0, 3.0]), 2)
    assert f[0] > 1 and f[2] < 0
    assert f[3] == f[4]  # a user who rates everything the same: equal factors


def test_a_user_who_gives_every_item_the_same_rating_shows_the_same_positive_interest_in_each() -> None:
    f = rating_factors(np.array([0, 0, 0]), np.array([4.0, 4.0, 4.0]), 1)
    assert np.all(np.isfinite(f))
    assert np.allclose(f, 0.5)


def test_a_slightly_lower_rating_from_a_consistent_rater_is_still_interest_not_a_dislike() -> None:
    # The user's own spread is tiny (0.04); ratings are read against at least half a star of spread, so
    # 4.9 among 5s stays a positive signal instead of the user's strongest dislike.
    f = rating_factors(np.array([0, 0, 0, 0]), np.array([5.0, 5.0, 5.0, 4.9]), 1)
    assert 0 < f[3] < f[0]


def test_unrated_events_get_factor_one() -> None:
    f = rating_factors(np.array([0, 0]), np.array([NAN, 4.0]), 1)
    assert f[0] == 1.0


def test_recency_halves_per_half_life_over_timestamps_else_seq() -> None:
    day = 86_400.0
    user = np.array([0, 0, 1, 1, 2])
    ts = np.array([0.0, 10 * day, NAN, NAN, NAN])
    seq = np.array([NAN, NAN, 0, 4, NAN])
    w = recency_weights(user, ts, seq, 3, half_life_days=10, half_life_steps=2)
    assert np.allclose(w, [0.5, 1.0, 0.25, 1.0, 1.0])


def test_later_events_counts_each_users_events_after_it_and_events_at_one_moment_share_a_count() -> None:
    user = np.array([0, 0, 0, 1, 1, 0])
    moment = np.array([5.0, 7.0, 7.0, 1.0, 2.0, 1.0])
    assert later_events(user, moment).tolist() == [2, 0, 0, 1, 0, 3]


def test_a_session_of_ratings_decays_by_event_when_the_short_term_interest_counts_events() -> None:
    # Four ratings within an hour: by days they weigh almost the same; counted as events, the latest leads.
    user = np.zeros(4, dtype=np.int64)
    ts = 1_700_000_000 + np.array([0.0, 600.0, 1200.0, 1800.0])
    seq = np.full(4, NAN)
    by_days = recency_weights(user, ts, seq, 1, half_life_days=180, half_life_steps=1)
    assert by_days.min() > 0.999
    by_events = recency_weights(user, ts, seq, 1, half_life_days=180, half_life_steps=1, timestamped_by="events")
    assert by_events.tolist() == [0.125, 0.25, 0.5, 1.0]
    both = recency_weights(user, ts, seq, 1, half_life_days=180, half_life_steps=1, timestamped_by="both")
    assert np.allclose(both, by_days * by_events)


def test_event_weight_is_kind_times_rating_times_recency() -> None:
    w = event_weights(
        np.array([0, 0]),
        np.array([1.0, -0.6]),
        np.array([NAN, NAN]),
        np.array([NAN, NAN]),
        np.array([0.0, 1.0]),
        1,
        180,
        1,
    )
    assert np.allclose(w, [0.5, -0.6])


def test_distribution_clips_negative_domains_and_sums_to_one() -> None:
    d = normalize_distribution(np.array([[2.0, -1.0, 2.0], [0.0, 0.0, 0.0]]))
    assert np.allclose(d, [[0.5, 0.0, 0.5], [0, 0, 0]])


def test_blend_uses_settings_weights_and_falls_back_to_the_signal_present() -> None:
    b = np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 0.0]])
    t = np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 0.0]])
    out = blend_distributions(b, t, 0.7, 0.3)
    assert np.allclose(out, [[0.7, 0.3], [0.0, 1.0], [1.0, 0.0]])


def test_top_domains_orders_cuts_and_never_empties_a_profile_with_evidence() -> None:
    names = ["A", "B", "C", "D"]
    assert top_domains(np.array([0.1, 0.6, 0.29, 0.01]), names, 0.05, 2) == [("B", 0.6), ("C", 0.29)]
    spread = np.full(4, 0.25)
    assert top_domains(spread, names, 0.3, 3) == [("A", 0.25)]
    assert top_domains(np.zeros(4), names, 0.05, 3) == []
