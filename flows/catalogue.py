"""The structures of the supported flows, as data (DTC 15.4, FLOWS.md 2-6).

Each flow declares its groups: code, parent, level and fields in order, with each
field's kind, width and whether it is required. The generic reader (`flows.dtc`) nests
records by these declarations, and each group compiles once into a parser that turns
the split record into a tuple of typed values, failing with the name of the field at
fault. Field order, formats and multiplicities follow the DTC 15.4 Data Flow Catalogue (the
Word document in Correla.IndustryFlows `docs/elec/15.4/`; where its JSON structure files
differ, the Word catalogue wins: see docs/rules.md, "Reading the flows"). Leniencies taken
from real files, each documented there: the validation result (032 / 07A) may be absent,
trailing optional fields may be left off, a D0217 492 may come without the two items
that some generators drop (`omissible`), and a related-MPAN group may be absent when the
related MPAN indicator says there is none.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum, StrEnum
from functools import cached_property
from typing import Any

from flows import fields as f
from processors.vocabulary.events import (
    BscValidationStatus,
    CosReadingRejectionCode,
    ProposedReadingStatus,
    ReadingMethod,
    ReadingType,
)
from processors.vocabulary.mpan import InvalidMpan, parse_mpan


class Kind(Enum):
    TEXT = "text"  # CHAR(n): kept as written
    DIGITS = "digits"  # INT(n) identifiers kept as text (leading zeros matter)
    MPAN = "mpan"  # NUM(13) MPAN core, check digit verified
    DATE = "date"  # ccyymmdd
    DATETIME = "datetime"  # ccyymmddhhmmss, naive UK clock time
    DECIMAL = "decimal"  # NUM(n,d) register readings: n digits before the point, d after
    INT = "int"  # NUM(n) counts and indicators, at most n digits
    BOOL = "bool"  # T / F
    CODE = "code"  # a code list, as an enum


class RecordError(ValueError):
    """A record that cannot be read: `field` names the field at fault (None: the record)."""

    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Field:
    """One data item. `width` is the most characters (CHAR, INT) or digits (NUM; for a
    DECIMAL the digits before the point, `decimals` those after); None: not limited."""

    name: str
    kind: Kind = Kind.TEXT
    required: bool = True
    width: int | None = None
    codes: type[StrEnum] | None = None
    decimals: int | None = None

    def parser(self) -> Callable[[str], Any]:
        """The function that turns this field's non-empty text into its value."""
        if self.kind is Kind.CODE:
            if self.codes is None:
                raise TypeError(f"field {self.name} of kind CODE needs its code list")
            return f.enum_parser(self.codes)
        if self.kind is Kind.DIGITS:
            width = self.width

            def parse_digits(text: str) -> str:
                if not (text.isascii() and text.isdigit()) or (width is not None and len(text) > width):
                    raise ValueError(f"expected up to {width} digits, got {text!r}")
                return text

            return parse_digits
        if self.kind is Kind.DECIMAL:
            return f.decimal_parser(self.width, self.decimals)
        if self.kind is Kind.INT:
            return f.int_parser(self.width)
        simple: dict[Kind, Callable[[str], Any]] = {
            Kind.MPAN: _mpan,
            Kind.DATE: f.parse_date,
            Kind.DATETIME: f.parse_clock_time,
            Kind.BOOL: f.parse_bool,
        }
        return simple.get(self.kind) or f.text_parser(self.width)


def _mpan(text: str) -> str:
    try:
        return parse_mpan(text)
    except InvalidMpan as exc:
        raise ValueError(str(exc)) from None


def _missing() -> Any:
    raise ValueError("required field is empty")


@dataclass(frozen=True)
class Group:
    """One record type of a flow. `role` names what the record means to the mappers
    (the same role in D0010 and D0086 has different codes). `min_occurs` / `max_occurs`
    bound how many such records one parent holds (a level-1 group: one file; None: any
    number). `omissible` names optional fields that some senders leave out altogether
    (not just empty): a record that many fields short is read with them empty."""

    code: str
    name: str
    parent: str | None
    level: int
    fields: tuple[Field, ...]
    role: str
    min_occurs: int = 0
    max_occurs: int | None = None
    repeats: bool = False  # records of this group often repeat verbatim: parse each text once
    omissible: tuple[str, ...] = ()
    names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    omitted_at: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = tuple(spec.name for spec in self.fields)
        unknown = set(self.omissible) - set(names)
        if unknown or any(spec.required for spec in self.fields if spec.name in self.omissible):
            raise ValueError(f"group {self.code}: omissible fields must be optional fields of the group")
        object.__setattr__(self, "names", names)
        # Where to re-insert the omitted fields in a short record (parts[0] is the code).
        at = tuple(index for index, name in enumerate(names, start=1) if name in self.omissible)
        object.__setattr__(self, "omitted_at", at)

    @cached_property
    def fast_parse(self) -> Callable[[list[str]], tuple[Any, ...]]:
        """The group's generated parser (`_compile`), compiled when a file of its flow is
        first read: a replay of D0010s compiles none of the other flows' 19 parsers."""
        return _compile(self)

    def index(self, name: str) -> int:
        """The position of field `name` in the parsed values."""
        return self.names.index(name)

    def parse(self, parts: list[str]) -> tuple[Any, ...]:
        """The typed values of a split record (`parts[0]` is the group code, then one part
        per field); RecordError names the field at fault."""
        try:
            return self.fast_parse(parts)
        except (ValueError, KeyError):
            raise self.explain(parts) from None

    def explain(self, parts: list[str]) -> RecordError:
        """Why `fast_parse` failed: the first field at fault, one field at a time."""
        for index, spec in enumerate(self.fields, start=1):
            text = parts[index]
            if not text:
                if spec.required:
                    return RecordError(spec.name, f"{spec.name} is required but empty")
                continue
            try:
                spec.parser()(text)
            except ValueError as exc:
                message = str(exc)  # name the field once, even when the parser already did
                if not message.startswith(spec.name):
                    message = f"{spec.name}: {message}"
                return RecordError(spec.name, message)
        return RecordError(None, "record could not be read")

    def describe(self) -> str:
        return f"{self.code} ({self.name})"


def _compile(group: Group) -> Callable[[list[str]], tuple[Any, ...]]:
    """The fast parser of a split record: generated straight-line code, one line per
    field, no loop and no per-field exception handling. It raises ValueError or KeyError
    on a bad field; `Group.explain` then walks the fields to name it."""
    namespace: dict[str, Any] = {"missing": _missing}
    lines = ["def fast(parts):"]
    names = []
    for index, spec in enumerate(group.fields, start=1):
        v = f"v{index}"
        namespace[f"p{index}"] = spec.parser()
        if spec.kind is Kind.TEXT:
            fits = (
                f"{v}.isprintable()"
                if spec.width is None
                else f"len({v}) <= {spec.width} and {v}.isprintable()"
            )
            value = f"{v} if {fits} else p{index}({v})"
        elif spec.kind is Kind.CODE and spec.codes is not None:
            namespace[f"m{index}"] = {member.value: member for member in spec.codes}
            value = f"m{index}[{v}]"
        elif spec.kind in (Kind.DATETIME, Kind.DATE):
            namespace[f"c{index}"] = f.clock_time_cache() if spec.kind is Kind.DATETIME else f.date_cache()
            value = f"c{index}.get({v}) or p{index}({v})"
        elif spec.kind is Kind.BOOL:
            namespace[f"m{index}"] = {"T": True, "F": False}
            value = f"m{index}[{v}]"
        elif spec.kind is Kind.MPAN:
            namespace[f"p{index}"] = parse_mpan  # InvalidMpan is a ValueError: explain() words it
            value = f"p{index}({v})"
        elif spec.kind is Kind.DECIMAL and spec.decimals == 1 and spec.width is not None:
            # The usual shape, `digits.d`, checked inline; anything else takes the full parser.
            namespace["Decimal"] = Decimal
            value = (
                f"Decimal({v}) if len({v}) <= {spec.width + 2} and {v}[-2:-1] == '.' "
                f"and {v}[:-2].isdigit() and {v}[-1:].isdigit() and {v}.isascii() else p{index}({v})"
            )
        else:
            value = f"p{index}({v})"
        fallback = "missing()" if spec.required else "None"
        lines.append(f"    {v} = parts[{index}]")
        lines.append(f"    a{index} = ({value}) if {v} else {fallback}")
        names.append(f"a{index}")
    lines.append(f"    return ({', '.join(names)}{',' if len(names) == 1 else ''})")
    exec("\n".join(lines), namespace)  # the catalogue is ours: no outside text reaches exec
    fast: Callable[[list[str]], tuple[Any, ...]] = namespace["fast"]
    return fast


@dataclass(frozen=True)
class FlowStructure:
    """A flow version: its groups, and the level of the group that opens one event
    (1 for most flows; 2 for D0217 / D0260, whose level 1 is the file sequence number)."""

    flow: str
    version: str
    name: str
    groups: tuple[Group, ...]
    event_level: int = 1
    by_code: dict[str, Group] = field(init=False, repr=False, compare=False)

    required_children: dict[str, tuple[Group, ...]] = field(init=False, repr=False, compare=False)
    checked_groups: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_code", {group.code: group for group in self.groups})
        for group in self.groups:
            parent = self.by_code.get(group.parent) if group.parent else None
            expected = parent.level + 1 if parent else 1
            if group.level != expected or (group.parent and parent is None):
                raise ValueError(f"{self.flow} group {group.code}: inconsistent parent / level")
        required: dict[str, tuple[Group, ...]] = {}
        for group in self.groups:
            if group.parent and group.min_occurs:
                required[group.parent] = (*required.get(group.parent, ()), group)
        object.__setattr__(self, "required_children", required)
        checked: set[str] = set()
        for holder in required:  # a group with a mandatory child, and every ancestor of it
            code: str | None = holder
            while code is not None:
                checked.add(code)
                code = self.by_code[code].parent
        object.__setattr__(self, "checked_groups", frozenset(checked))

    @property
    def ref(self) -> str:
        return f"{self.flow}{self.version}"

    @property
    def top_codes(self) -> tuple[str, ...]:
        """Codes of the level-1 groups: the trailer's flow count counts these records."""
        return tuple(group.code for group in self.groups if group.level == 1)


def _site_visit(code: str, parent: str, level: int, min_occurs: int = 0) -> Group:
    return Group(
        code,
        "site visit information",
        parent,
        level,
        (Field("site visit check code", width=2), Field("additional information", required=False, width=200)),
        role="site_visit",
        min_occurs=min_occurs,
        repeats=True,
    )


def _readings(flow: str, name: str, codes: Sequence[str]) -> FlowStructure:
    mpan, visit1, meter, visit2, register, validation, visit3 = codes
    return FlowStructure(
        flow,
        "002",
        name,
        (
            Group(
                mpan,
                "MPAN cores",
                None,
                1,
                (
                    Field("MPAN core", Kind.MPAN),
                    Field("BSC validation status", Kind.CODE, codes=BscValidationStatus),
                ),
                role="mpan",
            ),
            _site_visit(visit1, mpan, 2),
            Group(
                meter,
                "meter / reading type",
                mpan,
                2,
                (Field("meter id", width=10), Field("reading type", Kind.CODE, codes=ReadingType)),
                role="meter",
                min_occurs=1,
            ),
            _site_visit(visit2, meter, 3),
            Group(
                register,
                "register readings",
                meter,
                3,
                (
                    Field("meter register id", width=2),
                    Field("reading date-time", Kind.DATETIME),
                    Field("register reading", Kind.DECIMAL, width=9, decimals=1),
                    Field("MD reset date-time", Kind.DATETIME, required=False),
                    Field("number of MD resets", Kind.INT, required=False, width=3),
                    Field("meter reading flag", Kind.BOOL, required=False),
                    Field("reading method", Kind.CODE, codes=ReadingMethod),
                ),
                role="register",
            ),
            Group(
                validation,
                "meter reading validation result",
                register,
                4,
                (Field("meter reading reason code", width=2), Field("meter reading status", Kind.BOOL)),
                role="validation",
                max_occurs=1,
                repeats=True,
            ),
            _site_visit(visit3, register, 4),
        ),
    )


def _address() -> tuple[Field, ...]:
    lines = tuple(Field(f"address line {n}", required=False) for n in range(1, 10))
    return (*lines, Field("postcode", required=False))


def _agents() -> tuple[Field, ...]:
    return (
        Field("data aggregator id", required=False),
        Field("data aggregation type", required=False, width=1),
        Field("data collector id", required=False),
        Field("data collector type", required=False, width=1),
        Field("meter operator id", required=False, width=4),
        Field("meter operator type", required=False, width=1),
    )


def _settlement() -> tuple[Field, ...]:
    return (
        Field("energisation status", required=False, width=1),
        Field("measurement class id", required=False, width=1),
        Field("meter timeswitch code", Kind.DIGITS, required=False, width=3),
        Field("profile class id", Kind.DIGITS, required=False, width=2),
        Field("standard settlement configuration id", required=False, width=4),
    )


def _smart(with_dcc: bool) -> tuple[Field, ...]:
    fields: tuple[Field, ...] = (
        Field("SMETS version", required=False, width=8),
        Field("smart metering system operator id", required=False),
        Field("SMSO effective from date", Kind.DATE, required=False),
        Field("IHD install status", required=False, width=1),
        Field("IHD effective from date", Kind.DATE, required=False),
    )
    if with_dcc:
        fields += (
            Field("DCC service flag", required=False, width=1),
            Field("DCC service flag effective from date", Kind.DATE, required=False),
        )
    return fields


def _related(code: str, parent: str) -> Group:
    return Group(
        code,
        "related MPANs",
        parent,
        3,
        (Field("primary MPAN", Kind.MPAN), Field("secondary MPAN", Kind.MPAN)),
        role="related_mpan",
    )


def _file_sequence(code: str) -> Group:
    return Group(
        code,
        "file sequence number",
        None,
        1,
        (Field("file sequence number", Kind.DIGITS, width=12),),
        "sequence",
        max_occurs=1,
    )


D0010 = _readings("D0010", "Meter Readings", ("026", "027", "028", "029", "030", "032", "033"))
D0086 = _readings(
    "D0086", "Notification of Change of Supplier Readings", ("196", "765", "197", "766", "198", "07A", "199")
)

D0300 = FlowStructure(
    "D0300",
    "001",
    "Disputed Readings or Missing Readings on Change of Supplier",
    (
        Group(
            "58C",
            "MPAN details",
            None,
            1,
            (
                Field("MPAN core", Kind.MPAN),
                Field("MPAN core process", width=1),
                Field("new supplier SSD", Kind.DATE),
                *_address(),
                Field("additional information", required=False, width=200),
                Field("record rejection reason", required=False, width=2),
            ),
            role="mpan",
        ),
        Group(
            "59C",
            "meter id",
            "58C",
            2,
            (
                Field("meter id", required=False, width=10),
                Field("initiating flow indicator", Kind.INT, width=1),
            ),
            role="meter",
            min_occurs=1,
        ),
        Group(
            "60C",
            "meter register details",
            "59C",
            3,
            (
                Field("meter register id", required=False, width=2),
                Field("register reading", Kind.DECIMAL, required=False, width=9, decimals=1),
                Field("reading type", Kind.CODE, required=False, codes=ReadingType),
                Field("CoS reading rejection code", Kind.CODE, required=False, codes=CosReadingRejectionCode),
                Field("proposed register reading", Kind.DECIMAL, required=False),
                Field("status of proposed reading", Kind.CODE, codes=ProposedReadingStatus),
            ),
            role="register",
            min_occurs=1,
        ),
    ),
)

D0004 = FlowStructure(
    "D0004",
    "001",
    "Notification of Failure to Obtain Reading",
    (
        Group("014", "MPAN cores", None, 1, (Field("MPAN core", Kind.MPAN),), role="mpan"),
        Group(
            "015",
            "attempted reading details",
            "014",
            2,
            (
                Field("meter id", width=10),
                Field("reading type", Kind.CODE, codes=ReadingType),
                Field("reading date-time", Kind.DATETIME),
            ),
            role="attempt",
            min_occurs=1,
        ),
        _site_visit("016", "015", 3, min_occurs=1),
    ),
)

_REGISTRATION_HEAD = (
    Field("instruction number", Kind.DIGITS, width=12),
    Field("instruction type", width=4),
    Field("MPAN core", Kind.MPAN),
)

# Items of D0217 492 in the Word catalogue (marked "N") that its JSON structure file and
# some generators leave out: a 492 of 36 fields is read with these two empty.
_RTN = "registration transaction number"
_UPRN = "UPRN"

D0217 = FlowStructure(
    "D0217",
    "002",
    "Confirmation of the Registration of a Metering Point",
    (
        _file_sequence("754"),
        Group(
            "492",
            "registration confirmation details",
            "754",
            2,
            (
                *_REGISTRATION_HEAD,
                Field("deemed received date", Kind.DATE),
                Field("SSD", Kind.DATE),
                Field(_RTN, Kind.DIGITS, required=False, width=10),
                *_address(),
                Field(_UPRN, required=False, width=12),
                Field("line loss factor class id", required=False, width=3),
                Field("GSP group id", width=2),
                *_settlement(),
                *_agents(),
                *_smart(with_dcc=True),
                Field("related MPAN indicator", width=1),
            ),
            role="registration",
            omissible=(_RTN, _UPRN),
        ),
        _related("58M", "492"),
    ),
    event_level=2,
)

D0260 = FlowStructure(
    "D0260",
    "002",
    "Notification from MPAS of Old Supplier Registration Details",
    (
        _file_sequence("757"),
        Group(
            "758",
            "registration details",
            "757",
            2,
            (
                *_REGISTRATION_HEAD,
                Field("SSD", Kind.DATE),
                Field("old supplier id"),
                *_settlement(),
                *_agents(),
                *_smart(with_dcc=False),
                Field("related MPAN indicator", width=1),
            ),
            role="registration",
        ),
        _related("60M", "758"),
    ),
    event_level=2,
)

CATALOGUE: dict[str, FlowStructure] = {s.ref: s for s in (D0004, D0010, D0086, D0217, D0260, D0300)}


def supported() -> str:
    """The flows meterflow reads, for messages: 'D0004 v001, D0010 v002, ...'."""
    return ", ".join(f"{s.flow} v{s.version}" for s in sorted(CATALOGUE.values(), key=lambda s: s.flow))
