"""The compiled dumpers answer exactly what marshmallow's dump answers, for every response
schema of the API, on generated data: strings, numbers, booleans, None, missing keys, nested
objects and lists of them, as services return them."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, fields

import support_server.api as api_package
from support_server.api.fast_dump import Dumper, dumper


def _schemas() -> list[type[Schema]]:
    found: dict[str, type[Schema]] = {}
    for module in pkgutil.iter_modules(api_package.__path__):
        loaded = importlib.import_module(f"support_server.api.{module.name}")
        for value in vars(loaded).values():
            if (
                isinstance(value, type)
                and issubclass(value, Schema)
                and value.__module__ == loaded.__name__
            ):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


SCHEMAS = _schemas()
_ANY = st.one_of(st.none(), st.text(max_size=8), st.integers(-5, 5), st.booleans())


def _value(field: fields.Field[Any], depth: int) -> st.SearchStrategy[Any]:
    kind = type(field)
    if isinstance(field, fields.Boolean):
        return st.one_of(st.none(), st.booleans(), st.sampled_from([0, 1, "true", "no"]))
    if kind is fields.String:
        return st.one_of(st.none(), st.text(max_size=12), st.integers(0, 99))
    if kind is fields.Integer:
        return st.one_of(st.none(), st.integers(-(10**12), 10**12), st.sampled_from([2.7, "7"]))
    if kind is fields.Float:
        return st.one_of(st.none(), st.floats(allow_nan=False), st.integers(-99, 99))
    inner: Any = field
    many = False
    if isinstance(field, fields.List):
        inner, many = field.inner, True
    if isinstance(inner, fields.Nested) and isinstance(inner.schema, Schema) and depth < 3:
        one = _object(type(inner.schema), depth + 1)
        if many or inner.many or inner.schema.many:
            return st.one_of(st.none(), st.lists(one, max_size=3))
        return st.one_of(st.none(), one)
    if isinstance(field, fields.List):
        return st.one_of(st.none(), st.lists(st.text(max_size=5), max_size=3))
    return st.none()  # other fields are serialised by marshmallow on both sides


def _object(schema_class: type[Schema], depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    schema = schema_class()
    parts = {
        (field.attribute or name): _value(field, depth)
        for name, field in schema.dump_fields.items()
    }
    # Any key may be missing, but one named like a dict method ("items"): marshmallow would
    # take the method for the value and fail (services always give those keys).
    required = {k: v for k, v in parts.items() if hasattr(dict, k)}
    optional = {k: v for k, v in parts.items() if k not in required}
    return st.fixed_dictionaries(required, optional=optional)


def test_every_api_schema_is_found_and_most_compile() -> None:
    assert len(SCHEMAS) > 60
    compiled = [s for s in SCHEMAS if dumper(s).steps is not None]
    assert len(compiled) > 50


@pytest.mark.parametrize("schema_class", SCHEMAS, ids=lambda s: s.__name__)
def test_the_dump_is_marshmallows(schema_class: type[Schema]) -> None:
    schema = schema_class()
    dump = Dumper(schema)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(_object(schema_class))
    def check(obj: dict[str, Any]) -> None:
        try:
            expected = schema.dump(obj)
        except (TypeError, ValueError) as exc:  # marshmallow refuses it: so must we
            with pytest.raises(type(exc)):
                dump(obj)
            return
        assert dump(obj) == expected

    check()


def test_objects_and_lists_are_left_to_marshmallow() -> None:
    from support_server.api.schemas import SearchResultSchema

    class Hit:
        slug, title, snippet, category, score = "a", "T", "<mark>x</mark>", "", 1

    assert dumper(SearchResultSchema)(Hit()) == SearchResultSchema().dump(Hit())
