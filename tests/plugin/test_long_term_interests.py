"""Long-term interests on real data: the stored top domain is what a user mostly buys, not what they bought last.

Computed with `compute_user_profiles` (what `profiles build` stores) on amazon-office's training part (each
user's last purchase held out), second category level as the domain, no Weaviate.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from weaviate_recsys.plugin.keywords import KeywordExtractor
from weaviate_recsys.plugin.profile_inputs import EventData, ItemData, compute_user_profiles
from weaviate_recsys.plugin.profile_model import InterestModel
from weaviate_recsys.settings import Settings

AMAZON = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "amazon-office"
if not AMAZON.exists():
    AMAZON = Path("/work/shared/datasets/amazon-office")


def _read(name: str) -> list[dict]:
    return [json.loads(line) for line in (AMAZON / name).read_text().splitlines() if line]


@pytest.mark.skipif(not AMAZON.exists(), reason="the shared amazon-office data set is not here")
def test_the_stored_top_domain_is_the_majority_domain_for_most_amazon_users() -> None:
    items = _read("items.jsonl")
    rows = _read("interactions.jsonl")
    domain = {it["item_id"]: (it.get("categories") or [None, None])[1:2] for it in items}
    domain = {i: d[0] if d else None for i, d in domain.items()}
    names = sorted({d for d in domain.values() if d})
    model = InterestModel(
        extractor=KeywordExtractor().fit(["paper", "ink"]), classifier=None, domain_names=names, version="t"
    )
    last: dict[str, dict] = {}
    for r in rows:
        if r["user_id"] not in last or r["seq"] > last[r["user_id"]]["seq"]:
            last[r["user_id"]] = r
    train = [r for r in rows if r is not last[r["user_id"]]]
    users = sorted({r["user_id"] for r in train})
    batch = compute_user_profiles(
        model,
        [ItemData(item_id=it["item_id"], domain=domain[it["item_id"]]) for it in items],
        [EventData(user_id=r["user_id"], item_id=r["item_id"], kind=r["kind"], seq=r["seq"]) for r in train],
        users,
        Settings(),
    )
    per_user: dict[str, Counter[str]] = {}
    for r in train:
        if domain[r["item_id"]]:
            per_user.setdefault(r["user_id"], Counter())[domain[r["item_id"]]] += 1
    long_term = short_term = considered = 0
    for i, user in enumerate(users):
        counts = per_user.get(user, Counter())
        if sum(counts.values()) < 5:
            continue
        most = max(counts.values())
        majority = {d for d, c in counts.items() if c == most}
        considered += 1
        long_term += bool(batch.domains[i]) and batch.domains[i][0][0] in majority
        short_term += bool(batch.recent_domains[i]) and batch.recent_domains[i][0][0] in majority
    assert considered > 1000
    assert long_term / considered >= 0.7
    # The short-term interest follows the last few items instead: for many users it is not the majority.
    assert short_term / considered < long_term / considered - 0.2


def test_a_session_of_timestamped_events_gives_a_short_term_interest_in_the_last_items_when_it_counts_events() -> None:
    # One evening: six Paper items, then two Ink items, minutes apart (MovieLens users rate like this). By days
    # every event is equally recent, so the short-term interest is the long-term one; counted as events, the
    # last items lead it.
    model = InterestModel(
        extractor=KeywordExtractor().fit(["paper", "ink"]), classifier=None, domain_names=["Ink", "Paper"], version="t"
    )
    items = [ItemData(item_id=f"p{i}", domain="Paper") for i in range(6)] + [
        ItemData(item_id=f"i{i}", domain="Ink") for i in range(2)
    ]
    start = 1_700_000_000.0
    events = [EventData(user_id="u", item_id=it.item_id, timestamp=start + 60 * n) for n, it in enumerate(items)]

    def top_recent(decay: str) -> str:
        batch = compute_user_profiles(model, items, events, ["u"], Settings(short_term_decay=decay))
        assert batch.domains[0][0][0] == "Paper"  # the long-term interest either way
        return str(batch.recent_domains[0][0][0])

    assert top_recent("days") == "Paper"
    assert top_recent("events") == "Ink"
    assert top_recent("both") == "Ink"
