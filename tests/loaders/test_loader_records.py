"""Record validation: coercions that are unambiguous, rejections with a reason for the rest."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from weaviate_recsys.loaders import (
    InteractionRecord,
    ItemRecord,
    UserRecord,
    allowed_kinds,
    parse_timestamp,
    record_context,
    split_labels,
)
from weaviate_recsys.settings import Settings

CTX = record_context(Settings())


def item(**data):
    return ItemRecord.model_validate(data, context=CTX)


def interaction(context=CTX, **data):
    return InteractionRecord.model_validate(data, context=context)


def error_of(exc: pytest.ExceptionInfo) -> tuple[str, str]:
    err = exc.value.errors()[0]
    return str(err["loc"][0]) if err["loc"] else "", err["msg"]


@pytest.mark.parametrize(
    "value, labels, is_path",
    [
        (["A", "B"], ["A", "B"], True),
        ("A > B > C", ["A", "B", "C"], True),
        ("Adventure|Animation", ["Adventure", "Animation"], False),
        ("Single", ["Single"], False),
        ("", [], False),
        (None, [], False),
        ([" A ", "", "B"], ["A", "B"], True),
    ],
)
def test_split_labels(value, labels, is_path):
    assert split_labels(value) == (labels, is_path)


def test_domain_comes_from_the_record_first():
    assert item(item_id="1", domain="Books", categories=["A", "B"]).domain == "Books"


def test_domain_from_categories_at_level():
    assert item(item_id="1", categories=["A", "B", "C"]).domain == "A"
    record = ItemRecord.model_validate({"item_id": "1", "categories": "A > B > C"}, context={**CTX, "domain_level": 2})
    assert (record.domain, record.subdomain) == ("B", "C")


def test_flat_labels_give_a_domain_but_no_subdomain():
    record = item(item_id="1", categories="Comedy|Drama")
    assert (record.domain, record.subdomain, record.categories) == ("Comedy", None, ["Comedy", "Drama"])


def test_domain_is_left_empty_when_the_path_is_too_short():
    record = ItemRecord.model_validate({"item_id": "1", "categories": ["A"]}, context={**CTX, "domain_level": 2})
    assert record.domain is None


def test_item_coercions():
    record = item(item_id=7, title="  T  ", popularity="3.5", tags="a, b", created_at="2020-01-02")
    assert record.item_id == "7"
    assert record.title == "T"
    assert record.popularity == 3.5
    assert record.tags == ["a", "b"]
    assert record.created_at == datetime(2020, 1, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    "data, field, fragment",
    [
        ({}, "item_id", "required"),
        ({"item_id": ""}, "item_id", "is empty"),
        ({"item_id": ["x"]}, "item_id", "expected text"),
        ({"item_id": "1", "popularity": "lots"}, "popularity", "expected a number"),
        ({"item_id": "1", "popularity": float("nan")}, "popularity", "finite"),
        ({"item_id": "1", "categories": 5}, "categories", "expected a list"),
        ({"item_id": "1", "categories": [{"a": 1}]}, "categories", "list of text"),
        ({"item_id": "1", "created_at": "last week"}, "created_at", "ISO-8601"),
        ({"item_id": "1", "title": True}, "title", "expected text"),
    ],
)
def test_item_rejections(data, field, fragment):
    with pytest.raises(ValidationError) as exc:
        item(**data)
    loc, msg = error_of(exc)
    assert loc == field
    assert fragment in msg


def test_over_long_text_is_rejected_with_the_limit():
    context = {**CTX, "max_text_length": 10}
    with pytest.raises(ValidationError) as exc:
        ItemRecord.model_validate({"item_id": "1", "description": "x" * 11}, context=context)
    loc, msg = error_of(exc)
    assert loc == "description"
    assert "11 characters" in msg and "limit of 10" in msg
    with pytest.raises(ValidationError):
        ItemRecord.model_validate({"item_id": "1", "tags": ["y" * 11]}, context=context)
    assert ItemRecord.model_validate({"item_id": "1", "description": "x" * 10}, context=context)


@pytest.mark.parametrize(
    "value, expected",
    [
        (964982703, datetime(2000, 7, 30, 18, 45, 3, tzinfo=UTC)),
        ("964982703", datetime(2000, 7, 30, 18, 45, 3, tzinfo=UTC)),
        ("2000-07-30T18:45:03Z", datetime(2000, 7, 30, 18, 45, 3, tzinfo=UTC)),
        ("2000-07-30T20:45:03+02:00", datetime(2000, 7, 30, 18, 45, 3, tzinfo=UTC)),
        ("2000-07-30 18:45:03", datetime(2000, 7, 30, 18, 45, 3, tzinfo=UTC)),
        ("", None),
    ],
)
def test_parse_timestamp(value, expected):
    assert parse_timestamp(value) == expected


@pytest.mark.parametrize("value", ["yesterday", "2020-13-01", 964982703000, True, [1]])
def test_parse_timestamp_rejects(value):
    with pytest.raises(ValueError):
        parse_timestamp(value)


def test_milliseconds_get_a_hint():
    with pytest.raises(ValueError, match="milliseconds"):
        parse_timestamp(964982703000)


def test_interaction_kinds_are_normalised_and_checked():
    assert interaction(user_id="u", item_id="i", kind=" Purchase ").kind == "purchase"
    with pytest.raises(ValidationError) as exc:
        interaction(user_id="u", item_id="i", kind="tag")
    loc, msg = error_of(exc)
    assert loc == "kind" and "--extra-kind tag" in msg


def test_extra_kinds_from_settings():
    context = record_context(Settings(extra_kinds=["Tag"]))
    assert interaction(context, user_id="u", item_id="i", kind="tag").kind == "tag"
    assert "tag" in allowed_kinds(Settings(extra_kinds=["tag"]))
    assert "share" in allowed_kinds(Settings(kind_weights={"share": 0.5}))


def test_interaction_needs_an_item_or_a_text():
    assert interaction(user_id="u", kind="comment", text="looking for a tent").item_id is None
    with pytest.raises(ValidationError, match="needs an item_id, or a text"):
        interaction(user_id="u", kind="view")


@pytest.mark.parametrize(
    "data, field",
    [
        ({"user_id": "u", "item_id": "i", "kind": "rating", "rating": "five"}, "rating"),
        ({"user_id": "u", "item_id": "i", "kind": "view", "seq": "1.5"}, "seq"),
        ({"user_id": "u", "item_id": "i", "kind": "view", "seq": -1}, "seq"),
        ({"user_id": "u", "item_id": "i", "kind": "view", "timestamp": "soon"}, "timestamp"),
        ({"item_id": "i", "kind": "view"}, "user_id"),
        ({"user_id": "u", "item_id": "i"}, "kind"),
    ],
)
def test_interaction_rejections(data, field):
    with pytest.raises(ValidationError) as exc:
        interaction(**data)
    assert error_of(exc)[0] == field


def test_interaction_coercions():
    record = interaction(user_id=1, item_id=2, kind="rating", rating="4.5", seq="3", timestamp=964982703.5)
    assert (record.user_id, record.item_id, record.rating, record.seq) == ("1", "2", 4.5, 3)
    assert record.timestamp.microsecond == 500000


def test_properties_leave_out_empty_values():
    assert UserRecord.model_validate({"user_id": "u", "name": ""}, context=CTX).properties() == {"user_id": "u"}
    assert "tags" not in item(item_id="1").properties()
