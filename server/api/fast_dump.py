"""Dumping API responses through their marshmallow schemas without marshmallow's per-field
machinery, for the common fields.

A response is a schema's ``dump`` of a dict: marshmallow walks each field through several
layers of calls (``serialize``, ``get_value``, the accessor, ``_serialize``), about 3 µs a
field. Ten search results are a hundred fields: two fifths of a search's time. A
:class:`Dumper` is compiled once per schema class into a list of (key, attribute, how) steps
that produce exactly what ``schema.dump`` produces, for dicts:

* ``String``, ``Integer``, ``Float`` and ``Boolean`` fields (their exact classes, not
  subclasses) are converted as marshmallow converts them (``str``, ``int``, ``float``, and
  a boolean as it is); ``None`` stays ``None``; a missing key is left out (or gets the
  field's ``dump_default``, as in marshmallow);
* ``Nested`` and ``List(Nested)`` fields use their schema's own dumper;
* any other field (a subclass, ``DateTime``, ``Method``, a list of something else) is
  serialised by marshmallow itself, field by field, so its behaviour is marshmallow's.

Anything that is not a plain mapping, and schemas with hooks (``pre_dump``, ``post_dump``)
or dotted attributes, are dumped by marshmallow whole. ``tests/server/test_fast_dump.py``
checks every schema of :mod:`.schemas` against marshmallow's dump on generated data.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import Schema, fields, missing

Convert = Callable[[Any], Any]
# key, attribute, how to convert the value (None: the field serialises itself), default, field
Step = tuple[str, str, "Convert | None", Any, "fields.Field[Any]"]


def _text(value: Any) -> Any:
    if value is None:
        return None
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _number(kind: type) -> Convert:
    def convert(value: Any) -> Any:
        return None if value is None else kind(value)

    return convert


def _same(value: Any) -> Any:
    return value  # what Field._serialize does (marshmallow's Boolean has no other)


class Dumper:
    """What ``schema.dump(obj)`` gives, for ``schema``'s fields (see the module docstring)."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.steps: list[Step] | None = self._compile(schema)

    @staticmethod
    def _compile(schema: Schema) -> list[Step] | None:
        if getattr(schema, "_hooks", None) and any(schema._hooks.values()):
            return None
        steps: list[Step] = []
        for name, field in schema.dump_fields.items():
            attr = field.attribute or name
            if "." in attr:
                return None  # a dotted path: marshmallow's lookup
            key = field.data_key if field.data_key is not None else name
            steps.append((key, attr, _how(field), field.dump_default, field))
        return steps

    def __call__(self, obj: Any) -> Any:
        steps = self.steps
        if steps is None or not isinstance(obj, Mapping):
            return self.schema.dump(obj)
        out = {}
        for key, attr, how, default, field in steps:
            if how is None:  # marshmallow's own way, for this field
                value = field.serialize(attr, obj, accessor=self.schema.get_attribute)
                if value is not missing:
                    out[key] = value
                continue
            value = obj.get(attr, missing)
            if value is missing:
                if default is missing:
                    continue
                value = default() if callable(default) else default
            out[key] = how(value)
        return out


def _how(field: fields.Field[Any]) -> Convert | None:
    """How to convert a field's value as marshmallow would; None: leave it to marshmallow."""
    kind = type(field)
    if kind is fields.String:
        return _text
    if kind in (fields.Integer, fields.Float) and not field.as_string:  # type: ignore[attr-defined]
        return _number(int if kind is fields.Integer else float)
    if kind is fields.Boolean:
        return _same
    nested, many = field, False
    if kind is fields.List:
        nested, many = field.inner, True  # type: ignore[attr-defined]
    if type(nested) is not fields.Nested or nested.only or nested.exclude:
        return None
    inner = nested.schema
    if not isinstance(inner, Schema) or inner.only or inner.exclude:
        return None
    if many and (nested.many or inner.many):
        return None  # a list of lists
    many = many or nested.many or inner.many
    dump = dumper(type(inner))
    if many:
        return lambda value: None if value is None else [dump(v) for v in value]
    return lambda value: None if value is None else dump(value)


@functools.cache
def dumper(schema_class: type[Schema]) -> Dumper:
    """The dumper of a schema class, compiled on first use."""
    return Dumper(schema_class())
