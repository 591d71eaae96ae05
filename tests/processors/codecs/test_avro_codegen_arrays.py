"""The generated decoders read an array of one item without the block loop (a D0010's
meter and its register), and any other layout of blocks as fastavro reads it: a single
item followed by more blocks, a block with its size in bytes, arrays nested in arrays."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import fastavro
import pytest

from processors.codecs import avro_codegen
from processors.codecs.avro_codegen import write_long


@dataclass(frozen=True, slots=True, kw_only=True)
class Inner:
    name: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Outer:
    inners: tuple[Inner, ...] = ()
    after: str = ""


SCHEMA = fastavro.parse_schema(
    {
        "type": "record",
        "name": "Outer",
        "fields": [
            {
                "name": "inners",
                "type": {
                    "type": "array",
                    "items": {
                        "type": "record",
                        "name": "Inner",
                        "fields": [
                            {"name": "name", "type": "string"},
                            {"name": "tags", "type": {"type": "array", "items": "string"}},
                        ],
                    },
                },
            },
            {"name": "after", "type": "string"},
        ],
    },
    named_schemas={},
)
CODEC = avro_codegen.generate(Outer, SCHEMA)


def _text(value: str) -> bytes:
    raw = value.encode()
    return write_long(len(raw)) + raw


def _inner(name: str, tags: list[bytes]) -> bytes:
    """An Inner's bytes, its tags given as the array's blocks, already written."""
    return _text(name) + b"".join(tags) + b"\0"


def _block(items: list[bytes], *, sized: bool = False) -> bytes:
    """One array block: its count (negative, then its size in bytes, when `sized`) and items."""
    body = b"".join(items)
    if sized:
        return write_long(-len(items)) + write_long(len(body)) + body
    return write_long(len(items)) + body


def _fastavro(data: bytes) -> Any:
    return fastavro.schemaless_reader(io.BytesIO(data), SCHEMA, None)


def _as_dict(obj: Outer) -> dict[str, Any]:
    return {
        "inners": [{"name": i.name, "tags": list(i.tags)} for i in obj.inners],
        "after": obj.after,
    }


LAYOUTS = {
    "empty": [],
    "one item": [_block([_inner("a", [])])],
    "one item, one tag": [_block([_inner("a", [_block([_text("t")])])])],
    "one item, then a block of two": [
        _block([_inner("a", [])]),
        _block([_inner("b", [_block([_text("x")]), _block([_text("y"), _text("z")])]), _inner("c", [])]),
    ],
    "one item, then a sized block": [
        _block([_inner("a", [_block([_text("t")]), _block([_text("u")], sized=True)])]),
        _block([_inner("b", [])], sized=True),
    ],
    "a sized block of one": [_block([_inner("a", [])], sized=True)],
    "a block of two": [_block([_inner("a", []), _inner("b", [_block([_text("t")])])])],
}


@pytest.mark.parametrize("layout", LAYOUTS, ids=list(LAYOUTS))
def test_every_layout_of_blocks_reads_as_fastavro_reads_it(layout: str) -> None:
    data = b"".join(LAYOUTS[layout]) + b"\0" + _text("end")
    obj, end = CODEC.decode(data, 0)
    assert end == len(data)
    assert type(obj) is Outer
    assert all(type(i) is Inner and type(i.tags) is tuple for i in obj.inners)
    assert type(obj.inners) is tuple
    assert _as_dict(obj) == _fastavro(data)


def test_a_single_item_is_read_without_the_loop_and_round_trips() -> None:
    value = Outer(inners=(Inner(name="a", tags=("t",)),), after="end")
    data = CODEC.encode(value)
    assert data == _block([_inner("a", [_block([_text("t")])])]) + b"\0" + _text("end")
    obj, end = CODEC.decode(data, 0)
    assert (obj, end) == (value, len(data))
    assert "elif data[pos] == 2:" in CODEC.source


@pytest.mark.parametrize("cut", range(1, 9))
def test_a_single_item_cut_short_is_refused(cut: int) -> None:
    data = CODEC.encode(Outer(inners=(Inner(name="a", tags=("t",)),), after="end"))
    with pytest.raises((IndexError, EOFError)):
        CODEC.decode(data[: len(data) - 4 - cut], 0)


def test_the_item_is_read_with_the_same_names_in_every_branch() -> None:
    """The item's lines are written in the one-item branch and in the block loop with the
    same local names: a copy with names of its own would grow the decoder's frame, which
    every call clears, with each level of nested arrays."""
    names = CODEC.decode.__code__.co_varnames
    assert [n for n in names if n.startswith("name")] == ["name6"]
    assert [n for n in names if n.startswith("tags")] == ["tags7"]
    assert len(names) == 17
