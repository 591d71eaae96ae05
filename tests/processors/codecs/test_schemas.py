"""The files in schemas/ match the dataclasses, field for field, so a field added to an
event (or a command) without its schema fails here."""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path
from typing import Any

import fastavro
import pytest
from fastavro.schema import to_parsing_canonical_form

from processors.codecs import serde
from processors.vocabulary.events import DomainEvent, SwitchSecured

SCHEMAS = serde.SCHEMAS_DIR


def _named_types(schema: Any, found: dict[str, Any]) -> dict[str, Any]:
    """Every named record in an .avsc, by simple name, wherever it is nested."""
    if isinstance(schema, dict):
        if schema.get("type") == "record":
            found.setdefault(schema["name"].rsplit(".", 1)[-1], schema)
            for f in schema["fields"]:
                _named_types(f["type"], found)
        elif schema.get("type") == "array":
            _named_types(schema["items"], found)
    elif isinstance(schema, list):
        for branch in schema:
            _named_types(branch, found)
    return found


def _nested_dataclasses(cls: type, found: dict[str, type]) -> dict[str, type]:
    found.setdefault(cls.__name__, cls)
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        for candidate in (hints[f.name], *typing.get_args(hints[f.name])):
            for inner in (candidate, *typing.get_args(candidate)):
                if (
                    isinstance(inner, type)
                    and dataclasses.is_dataclass(inner)
                    and inner.__name__ not in found
                ):
                    _nested_dataclasses(inner, found)
    return found


def field_differences(cls: type, schema: dict[str, Any]) -> list[str]:
    """What differs between the fields of `cls` (and its nested dataclasses) and `schema`."""
    records = _named_types(schema, {})
    problems = []
    for name, sub in _nested_dataclasses(cls, {}).items():
        record = records.get(name)
        if record is None:
            problems.append(f"{name}: no record in the schema")
            continue
        in_class = {f.name for f in dataclasses.fields(sub)}
        in_schema = {f["name"] for f in record["fields"]}
        problems += [f"{name}.{f}: not in the schema" for f in sorted(in_class - in_schema)]
        problems += [f"{name}.{f}: not in the dataclass" for f in sorted(in_schema - in_class)]
    return problems


CLASSES = serde.schema_classes()


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_schema_file_has_exactly_the_dataclass_fields(cls: type) -> None:
    path = SCHEMAS / f"{cls.__name__}.avsc"
    assert path.exists(), f"{path} is missing: run `python -m processors.codecs.serde`"
    schema = json.loads(path.read_text())
    assert schema["namespace"] == "meterflow"
    assert field_differences(cls, schema) == []


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_schema_file_types_match_the_type_hints(cls: type) -> None:
    on_disk = fastavro.parse_schema(
        json.loads((SCHEMAS / f"{cls.__name__}.avsc").read_text()), named_schemas={}
    )
    derived = fastavro.parse_schema(serde.avro_schema_for(cls), named_schemas={})
    assert to_parsing_canonical_form(on_disk) == to_parsing_canonical_form(derived)


def test_a_field_added_without_a_schema_is_caught() -> None:
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class SwitchSecuredWithReason(SwitchSecured):
        reason: str = ""

    schema = json.loads((SCHEMAS / "SwitchSecured.avsc").read_text())
    schema["name"] = "SwitchSecuredWithReason"
    assert field_differences(SwitchSecuredWithReason, schema) == [
        "SwitchSecuredWithReason.reason: not in the schema"
    ]


def test_no_schema_file_without_a_class() -> None:
    names = {c.__name__ for c in CLASSES}
    orphans = sorted(p.stem for p in SCHEMAS.glob("*.avsc") if p.stem not in names)
    assert orphans == []


def test_history_files_are_older_versions_of_current_schemas() -> None:
    history = sorted((SCHEMAS / "history").glob("*.avsc"))
    assert history, "keep at least one old version to test evolution against"
    for path in history:
        name = path.name.split(".")[0]
        assert (SCHEMAS / f"{name}.avsc").exists(), path
        assert json.loads(path.read_text())["name"] == name


def test_every_concrete_event_is_covered() -> None:
    covered = {c for c in CLASSES if issubclass(c, DomainEvent)}
    assert {c.__name__ for c in covered} >= {
        "DayClosed",
        "SupplyPointRegistered",
        "SwitchSecured",
        "SwitchWithdrawn",
        "CustomerMovedOut",
        "CustomerReadingReceived",
        "ExportApplicationSubmitted",
        "ExportApplicationCancelled",
        "ExportMpanAllocated",
        "ExportMpanRefused",
        "MeterReadingsReceived",
        "CosReadingsNotified",
        "CosReadingDisputed",
        "ReadingNotObtained",
        "RegistrationConfirmed",
        "OldSupplierRegistrationNotified",
    }


def test_schema_readme_documents_the_encoding() -> None:
    text = (Path(SCHEMAS) / "README.md").read_text()
    assert "single-object" in text and "history/" in text
