"""The generic DTC reader: `ZHV` header, nested group records, `ZPT` trailer.

A file is read in two passes, both streaming in constant memory:
1. `check_structure` scans the raw bytes in large chunks (C-speed `bytes.count`) for
   what can only be known at the end: a trailer that is last and unique, no second
   header, and the trailer's identifier, group count and flow count matching the body.
   A file that fails is rejected whole and yields no event at all.
2. `_records` reads record by record, nests each under its declared parent (a stack
   indexed by level, driven by `flows.catalogue`, not by if-chains), parses fields into
   typed values and hands each finished event group to its flow's mapper. A flow with
   a fast path (`FastPath`, D0010 / D0086: `flows.fast_readings`) is cut into event
   groups (`_regions`): the whole groups of each text buffer go to the fast path as one
   run, a group it cannot read goes to it alone, and to `_records` when it still cannot
   read it, so that every rejection is the generic reader's.
A record that cannot be read is rejected with its line, field, raw text and reason, and
takes its child records with it (`children`); the rest of the file goes on. After an
unknown or undecodable record the reader cannot tell where the following child records
belong, so they go with it up to the next event-level group rather than being attached
to the wrong meter or MPAN.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import accumulate, chain, compress, repeat
from operator import add, itemgetter
from pathlib import Path
from typing import Any, Final, NamedTuple, Protocol, TextIO

from flows.catalogue import CATALOGUE, FlowStructure, Group, RecordError, supported
from flows.fields import parse_uk_timestamp
from flows.limits import MAX_RECORD_BYTES, too_long
from flows.rejections import FileReport, FileStatus, RejectedRecord, RejectionScope
from flows.seen import SeenFiles
from processors.vocabulary.events import DomainEvent, DtcFile, Source

# A parsed record: its group, 1-based line, typed values and child records. A plain tuple
# (built on the hot path for every record, where a NamedTuple costs twice as much): read
# it by unpacking, `group, line, values, children = node`, or with the names below.
Node = tuple[Group, int, tuple[Any, ...], list[Any]]
GROUP: Final = 0
LINE: Final = 1
VALUES: Final = 2
CHILDREN: Final = 3
Outcome = DomainEvent | RejectedRecord | FileReport

_CHUNK = 1 << 20
_TEXT_CHUNK = 1 << 16  # characters per read of the fast path: its buffer stays small
_BOM = b"\xef\xbb\xbf"


KeyTest = Callable[[str], bool]
Region = list[Any]
"""[first line, own]: the region (as `_regions` cuts the body) whose outcomes the reader is
yielding, and whether its key is one `only_keys` accepts (False: a region every process
reads); line -1 while a run of kept groups yields, each event's line being its region's."""
_keep: KeyTest | None = None
_region: Region = [0, False]


def only_keys(keep: KeyTest | None) -> Region:
    """From now on in this process, the reader skips unread the D0010 / D0086 event groups
    whose key (the MPAN on the raw text of their first record) `keep` refuses: their
    outcomes, rejections included, are for the process that keeps that key (`meterflow
    replay --jobs N`). A group whose MPAN cannot be read so, and the rest of a file read
    record by record (`_kept`), are read whole by every process. Returns the region the
    reader is in, updated before each region's outcomes (line 0: the file's own). A file
    report then counts what this process read, not the file's whole."""
    global _keep  # noqa: PLW0603 - one setting per process, read as each file opens
    _keep = keep
    _verdicts.clear()
    _verdicts.keep = keep
    return _region


@dataclass(frozen=True, slots=True)
class Context:
    """What a mapper needs besides the records: the file and where it came from."""

    file: DtcFile
    path: str
    test_data: bool
    keep: KeyTest | None = None
    """The key test of `only_keys`; None: every group is read."""
    region: Region = field(default_factory=lambda: [0, False])
    """Where the reader is (`only_keys`): the process's, in `read_dtc`."""
    counts: list[int] = field(default_factory=lambda: [0, 0])
    """[events, rejected records] the body's readers have yielded so far, counted by those
    that make them (`_records`, the fast path's `read`) for the file's report, so that
    `read_dtc` hands its outcomes on with `yield from` instead of a loop over each one."""

    @property
    def event_prefix(self) -> str:
        """What every event id of the file starts with: the line number follows."""
        return f"{self.file.from_mpid}/{self.file.file_id}/"

    def event_id(self, line: int) -> str:
        return f"{self.event_prefix}{line}"

    def source(self, line: int) -> Source:
        return Source(path=self.path, line=line)


Mapper = Callable[[Node, Sequence[Node], Context], DomainEvent]


class ReadGroups(Protocol):
    """`FastPath.read`; `lines`, when given, the first line of each group in turn (groups
    strung together from places apart in the file, `only_keys`)."""

    def __call__(  # noqa: PLR0917 - the fast path's arguments, positional on the hot path
        self,
        text: str,
        start: int,
        end: int,
        line: int,
        context: Context,
        lines: Sequence[int] | None = None,
        /,
    ) -> Generator[DomainEvent, None, int]: ...


class FastPath(NamedTuple):
    """A flow's fast path (`flows.fast_readings`): records of group `code` open its event
    groups, and `read(text, start, end, line, context)` yields the events of the groups
    in `text[start:end]` (one or a run of them, the first record at `line`) and returns
    the number of line ends (`\n`) in `text[start:end]` (the caller need not count them),
    or stops at the first group that is not of the shape it reads and returns `-1 - n`,
    `n` the groups it read before it (`missed`): that group is then read by itself,
    record by record when the fast path cannot read it alone either."""

    code: str
    read: ReadGroups


def missed(read_before: int) -> int:
    """What `FastPath.read` returns when it stops at a group after reading `read_before`
    groups (negative, apart from any line count); `-1 - result` gives `read_before` back."""
    return -1 - read_before


_HEADER_FIELDS = (
    "file identifier",
    "flow reference",
    "from role code",
    "from market participant id",
    "to role code",
    "to market participant id",
    "file creation timestamp",
    "sending application id",
    "receiving application id",
    "broadcast",
    "test data flag",
)
_HEADER_REQUIRED = _HEADER_FIELDS[:7]  # up to the creation timestamp


def parse_header(text: str) -> DtcFile:
    """The `ZHV` record; RecordError names the field at fault."""
    parts = text.split("|")
    if parts and parts[-1] == "":
        parts.pop()
    if not parts or parts[0] != "ZHV":
        raise RecordError(None, "line 1 is not a ZHV header")
    values = parts[1:]
    ref = values[_HEADER_FIELDS.index("flow reference")] if len(values) > 1 else ""
    if ref and (len(ref) != 8 or not ref[1:].isdigit() or not ref.isascii()):
        # Checked first: a flow and version split in two, or a short reference, shifts the
        # fields after it, which would otherwise be blamed on the creation timestamp.
        raise RecordError(
            "flow reference",
            f"flow reference {ref!r} is not 8 characters of flow and version (like D0010002)"
            if len(ref) != 8
            else f"flow reference {ref!r} is not a flow and version (like D0010002)",
        )
    if len(values) > len(_HEADER_FIELDS):
        raise RecordError(
            None, f"the header has {len(values)} fields, at most {len(_HEADER_FIELDS)} are defined"
        )
    header = dict(zip(_HEADER_FIELDS, values, strict=False))
    for name in _HEADER_REQUIRED:
        if not header.get(name):
            raise RecordError(name, f"header {name} is required but empty or missing")
    file_id = header["file identifier"]
    if len(file_id) > 10:
        raise RecordError("file identifier", f"file identifier is at most 10 characters, got {file_id!r}")
    sender, receiver = header["from market participant id"], header["to market participant id"]
    if len(sender) > 4 or len(receiver) > 4:
        raise RecordError(
            "from market participant id",
            f"market participant ids are at most 4 characters: {sender!r}, {receiver!r}",
        )
    try:
        created = parse_uk_timestamp(header["file creation timestamp"])
    except ValueError as exc:
        raise RecordError("file creation timestamp", f"file creation timestamp: {exc}") from None
    return DtcFile(
        file_id=file_id,
        flow=ref[:5],
        version=ref[5:],
        from_role=header["from role code"],
        from_mpid=sender,
        to_role=header["to role code"],
        to_mpid=receiver,
        created_at=created,
        sending_application=header.get("sending application id") or None,
        receiving_application=header.get("receiving application id") or None,
        broadcast=header.get("broadcast") or None,
        test_flag=header.get("test data flag", ""),
    )


def first_line(path: Path) -> bytes:
    """The first line of a file as bytes (BOM and line ending removed)."""
    with path.open("rb") as handle:
        line = handle.readline(64 * 1024)
    return line.removeprefix(_BOM).rstrip(b"\r\n")


def peek_dtc_header(path: Path) -> DtcFile | None:
    """The header of a DTC file, reading only its first line; None when it has none."""
    try:
        line = first_line(path)
        return parse_header(line.decode("utf-8")) if line.startswith(b"ZHV|") else None
    except (OSError, UnicodeDecodeError, RecordError):
        return None


@dataclass(frozen=True, slots=True)
class StructureError:
    reason: str
    line: int | None = None
    raw: str = ""


def check_structure(path: Path, structure: FlowStructure, header: DtcFile) -> StructureError | None:
    """Pass 1: the trailer and the counts, from the raw bytes, in constant memory."""
    tops = [code.encode() + b"|" for code in structure.top_codes]
    nl_tops = [b"\n" + code for code in tops]
    records = blank = top_count = trailers = headers = 0
    last = b""
    with path.open("rb") as handle:
        if too_long(handle.readline(MAX_RECORD_BYTES + 1)):
            return _too_long(1)
        start = handle.tell()
        mismatch = _other_flow(handle.readline(MAX_RECORD_BYTES + 1), structure)
        if mismatch is not None:
            return mismatch
        handle.seek(start)
        while chunk := handle.read(_CHUNK):
            if not chunk.endswith(b"\n"):
                rest = handle.readline(MAX_RECORD_BYTES + 1)
                chunk += rest
                if too_long(rest):
                    return _too_long(2 + records + blank + chunk.count(b"\n"))
            lines = chunk.count(b"\n") + (0 if chunk.endswith(b"\n") else 1)
            # The one-byte `in` (memchr) first: most chunks hold no CR and no Z, and the
            # counts that look for them are then skipped.
            cr = b"\r" in chunk and chunk.count(b"\r")
            if cr and cr != chunk.count(b"\r\n") and (lone := _LONE_CR.search(chunk)) is not None:
                problem = _lone_cr(chunk, lone.start(), 2 + records + blank)
                if problem is not None:
                    return problem
            if chunk.startswith((b"\n", b"\r\n")) or b"\n\n" in chunk or (cr and b"\n\r\n" in chunk):
                parts = chunk.split(b"\n")
                if chunk.endswith(b"\n"):
                    parts.pop()
                empty = sum(1 for part in parts if part in (b"", b"\r"))
            else:
                empty = 0
            blank += empty
            records += lines - empty
            for top, nl_top in zip(tops, nl_tops, strict=True):
                top_count += chunk.count(nl_top) + chunk.startswith(top)
            if b"Z" in chunk:
                trailers += chunk.count(b"\nZPT|") + chunk.startswith(b"ZPT|")
                headers += chunk.count(b"\nZHV|") + chunk.startswith(b"ZHV|")
            tail = chunk.rstrip(b"\r\n")
            if tail:
                last = tail[tail.rfind(b"\n") + 1 :].rstrip(b"\r")
    if headers:
        return StructureError("a second ZHV header inside the file: two files were joined or one was cut")
    if trailers == 0:
        return StructureError(
            "no ZPT trailer: the file is truncated or incomplete; ask the sender to resend it"
        )
    if trailers > 1:
        return StructureError(f"{trailers} ZPT trailers: two files were joined or one was cut")
    if not last.startswith(b"ZPT|"):
        return StructureError("records after the ZPT trailer: the trailer must be the last record")
    try:
        trailer = last.decode("utf-8")
    except UnicodeDecodeError:
        return StructureError("the ZPT trailer is not text", raw=last.decode("utf-8", "replace"))
    fields = trailer.split("|")
    fields += [""] * (6 - len(fields))
    _, trailer_id, group_count, _checksum, flow_count, completed, *_ = fields
    try:
        parse_uk_timestamp(completed)
    except ValueError:
        return StructureError(
            f"trailer file completion timestamp {completed!r} is not ccyymmddhhmmss: "
            "the trailer was cut or is corrupt; ask the sender to resend the file",
            raw=trailer,
        )
    if trailer_id != header.file_id:
        return StructureError(
            f"trailer file identifier {trailer_id!r} differs from the header's {header.file_id!r}",
            raw=trailer,
        )
    body = records - 1
    if _count_field(group_count) != body:
        return StructureError(
            f"trailer group count {group_count!r} but the body has {body} records", raw=trailer
        )
    if _count_field(flow_count) != top_count:
        return StructureError(
            f"trailer flow count {flow_count!r} but the body has {top_count} level-1 groups "
            f"({', '.join(structure.top_codes)})",
            raw=trailer,
        )
    return None


_LONE_CR = re.compile(rb"\r(?!\n)")


def _lone_cr(chunk: bytes, at: int, chunk_line: int) -> StructureError | None:
    """A carriage return with no line feed after it (the last byte of the file excepted):
    the counts cannot be trusted, so the file is rejected naming the line."""
    if at == len(chunk) - 1 and not chunk.endswith(b"\n"):
        return None
    line = chunk_line + chunk.count(b"\n", 0, at)
    begin = chunk.rfind(b"\n", 0, at) + 1
    end = chunk.find(b"\n", at)
    raw = chunk[begin : end if end >= 0 else len(chunk)][:200]
    return StructureError(
        f"line {line} holds a carriage return (CR) with no line feed after it: records end "
        "with LF or CR LF, so a lone CR hides a record break or corrupts a field; ask the "
        "sender to resend the file",
        line=line,
        raw=raw.decode("utf-8", "replace"),
    )


def _too_long(line: int) -> StructureError:
    return StructureError(
        f"line {line} is longer than {MAX_RECORD_BYTES:,} bytes, the most read as one record: "
        "not a DTC flow, or its line breaks are missing",
        line=line,
    )


def _count_field(text: str) -> int | None:
    """A trailer count (leading zeros allowed); None when it is not a number."""
    return int(text) if text.isascii() and text.isdigit() else None


def _other_flow(line: bytes, structure: FlowStructure) -> StructureError | None:
    """A body that starts with a group of another flow: the header names the wrong flow."""
    code = line.split(b"|", 1)[0].rstrip(b"\r\n").decode("utf-8", "replace")
    if code in structure.by_code or code == "ZPT":
        return None
    others = sorted(s.flow for s in CATALOGUE.values() if code in s.by_code)
    if not others:
        return None
    return StructureError(
        f"the body is not {structure.flow}: line 2 is group {code} of {', '.join(others)}; "
        "check the flow reference in the header",
        line=2,
        raw=line.rstrip(b"\r\n").decode("utf-8", "replace"),
    )


class _Rejected:
    """A rejected record, held open while its child records are counted into it."""

    __slots__ = ("children", "field", "group", "level", "line", "raw", "reason")

    def __init__(  # noqa: PLR0917 - built on the hot path, positional on purpose
        self, line: int, level: int, group: str | None, field: str | None, raw: str, reason: str
    ) -> None:
        self.line = line
        self.level = level
        self.group = group
        self.field = field
        self.raw = raw
        self.reason = reason
        self.children = 0


def _reject_file(
    path: Path,
    reason: str,
    flow: str | None,
    key: str | None,
    *,
    line: int | None,
    raw: str,
    field: str | None = None,
) -> Iterator[Outcome]:
    yield RejectedRecord(
        path=str(path),
        line=line,
        field=field,
        raw=raw,
        reason=reason,
        scope=RejectionScope.FILE,
        flow=flow,
        file_key=key,
    )
    yield FileReport(
        path=str(path), status=FileStatus.REJECTED, flow=flow, file_key=key, rejected=1, detail=reason
    )


def duplicate_report(path: Path, flow: str, key: str) -> FileReport:
    """The report of a file whose (sender, file id) was seen before: skipped."""
    return FileReport(
        path=str(path),
        status=FileStatus.DUPLICATE,
        flow=flow,
        file_key=key,
        detail=f"file {key} was already processed: skipped",
    )


def duplicate_outcomes(path: Path, header: DtcFile, seen: SeenFiles) -> Iterator[Outcome]:
    """A file whose (sender, file id) was seen before: skipped as a resend when its content
    is the first one's, else rejected naming the first (flows.seen)."""
    first = seen.conflict(header.key, str(path))
    if first is None:
        yield duplicate_report(path, header.flow, header.key)
        return
    yield from _reject_file(
        path,
        f"file {header.key} was already read from {first} with different content: this one is "
        "not used; a corrected file needs a new file identifier (compare the two, ask the sender)",
        header.flow,
        header.key,
        line=1,
        raw=first_line(path).decode("utf-8", "replace"),
        field="file identifier",
    )


def read_dtc(
    path: Path,
    mappers: dict[str, Mapper],
    seen: SeenFiles | None = None,
    fast: dict[str, FastPath] | None = None,
) -> Iterator[Outcome]:
    """Every outcome of one DTC file, ending with its FileReport (see module doc).

    `seen` is a SeenFiles: a file whose (sender, file id) it has seen is reported
    DUPLICATE and skipped. Only a structurally sound file is remembered as seen.
    `fast`: fast paths by flow reference (D0010002), for the event groups they can read.
    """
    _region[:] = 0, False
    raw_header = first_line(path)
    try:
        header_text = raw_header.decode("utf-8")
    except UnicodeDecodeError:
        yield from _reject_file(
            path,
            "the ZHV header is not UTF-8 text",
            None,
            None,
            line=1,
            raw=raw_header.decode("utf-8", "replace"),
        )
        return
    try:
        header = parse_header(header_text)
    except RecordError as exc:
        yield from _reject_file(
            path, f"bad ZHV header: {exc.reason}", None, None, line=1, raw=header_text, field=exc.field
        )
        return
    flow, key = header.flow, header.key
    structure = CATALOGUE.get(header.flow + header.version)
    mapper = mappers.get(header.flow)
    if structure is None or mapper is None:
        yield from _reject_file(
            path,
            f"unsupported flow {header.flow} version {header.version}: meterflow reads {supported()}",
            flow,
            key,
            line=1,
            raw=header_text,
            field="flow reference",
        )
        return
    problem = check_structure(path, structure, header)
    if problem is not None:
        yield from _reject_file(
            path, problem.reason, flow, key, line=problem.line, raw=problem.raw or header_text
        )
        return
    if seen is not None and not seen.first_time(key, str(path)):
        yield from duplicate_outcomes(path, header, seen)
        return
    context = Context(file=header, path=str(path), test_data=header.is_test_data, keep=_keep, region=_region)
    fast_path = fast.get(structure.ref) if fast else None
    with path.open(encoding="utf-8", errors="surrogateescape", newline="\n") as handle:
        handle.readline()
        yield from _read_body(handle, structure, mapper, context, fast_path)
    events, rejected = context.counts
    yield FileReport(
        path=str(path),
        status=FileStatus.TEST_DATA if header.is_test_data else FileStatus.READ,
        flow=flow,
        file_key=key,
        events=events,
        rejected=rejected,
        detail=f"test data flag {header.test_flag!r}: never drives commands" if header.is_test_data else None,
    )


class _Spec(NamedTuple):
    """What the hot loop needs of a group, unpacked once per record."""

    group: Group
    level: int
    parent: Group | None
    parts: int  # split parts of a full record: the code, one per field, the empty after the last `|`
    limit: int | None  # max_occurs
    repeats: bool
    parse: Callable[[list[str]], tuple[Any, ...]]


def _specs(structure: FlowStructure) -> dict[str, _Spec]:
    return {
        group.code: _Spec(
            group,
            group.level,
            structure.by_code.get(group.parent or ""),
            len(group.fields) + 2,
            group.max_occurs,
            group.repeats,
            group.fast_parse,
        )
        for group in structure.groups
    }


# A region longer than this without an event group's first record, or this many event
# groups in a row that the fast path cannot read, and the rest of the file is read
# record by record: memory stays bounded, and a file the fast path does not suit (CRLF
# line endings, site visits everywhere) costs no more than the generic reader.
_REGION_LIMIT = 16 * _TEXT_CHUNK
_MISSES = 8
_MPAN_DIGITS = 13  # an event group's key on its raw first record (`only_keys`)
_KEPT, _REFUSED, _KEYLESS = 0, 1, 2  # a region's first record, by `only_keys`' key test
_VERDICTS = 1 << 17


class _Verdicts(dict[str, int]):
    """A region's verdict by the text after its code's `|` (MPAN and `|`, when it has
    them), worked out once per key (`keep`: `only_keys`' test) and looked up from C in
    `_kept`'s maps; cleared at `_VERDICTS` entries so that memory stays bounded."""

    def __init__(self) -> None:
        super().__init__()
        self.keep: KeyTest | None = None

    def __missing__(self, tail: str) -> int:
        key = tail[:_MPAN_DIGITS]
        keep = self.keep
        assert keep is not None
        is_key = len(tail) == _MPAN_DIGITS + 1 and tail[-1] == "|" and key.isdigit()
        verdict = (_KEPT if keep(key) else _REFUSED) if is_key else _KEYLESS
        if len(self) >= _VERDICTS:
            self.clear()
        self[tail] = verdict
        return verdict


_verdicts = _Verdicts()  # in this process, for `only_keys`' current test


def _read_body(
    handle: TextIO, structure: FlowStructure, mapper: Mapper, context: Context, fast: FastPath | None
) -> Iterator[Outcome]:
    """Pass 2: the body's outcomes (`handle` past the header), by the fast path where it
    can read an event group. It returns its reader's generator rather than being one:
    one generator less for every outcome to pass through (`read_dtc` holds the file)."""
    shared: _Shared = (_specs(structure), {}, {})
    if fast is None:
        return _records(enumerate(handle, start=2), structure, mapper, context, shared)
    if context.keep is not None:
        records = partial(_records, structure=structure, mapper=mapper, context=context, shared=shared)
        return _kept(handle, fast, context, records)
    return _regions(handle, fast, structure, mapper, context, shared)


def _regions(  # noqa: PLR0917 - the body's reading state, passed on as it is
    handle: TextIO,
    fast: FastPath,
    structure: FlowStructure,
    mapper: Mapper,
    context: Context,
    shared: _Shared,
) -> Iterator[Outcome]:
    """The body cut into regions, each from a record of the event group's code to the
    next: the fast path reads a region whole, or `_records` reads it record by record.
    The fast path is first given all the buffer's whole regions as one run; where the
    run stops (a group it cannot read), the regions go to it one by one up to the
    buffer's last, and the next buffer's regions as one run again.

    Cutting there changes nothing: at such a record the generic reader closes whatever
    is open (the rejected record holding its children, the event group), so a fresh
    `_records` per region reads it as one over the whole body would. One exception, a
    record of that code that is not UTF-8 (it closes the group as damaged): a buffer
    that is not all ASCII is therefore read record by record from there on.
    """
    code, read = fast
    mark, head = f"\n{code}|", f"{code}|"
    text, pos, line, eof, misses = "", 0, 2, False, 0
    tried = 0  # the buffer's groups before this were tried as one run, which missed

    def rest() -> Generator[Outcome, None, bool]:
        lines = chain(_lines(text[pos:]), handle)
        return _records(enumerate(lines, start=line), structure, mapper, context, shared)

    while True:
        nxt = text.find(mark, pos)
        while nxt < 0 and not eof:
            more = handle.read(_TEXT_CHUNK)
            if more and not more.endswith("\n"):
                more += handle.readline()
            if not more:
                eof = True
                break
            searched = max(len(text) - pos - len(mark), 0)
            text, pos, tried = text[pos:] + more, 0, 0
            if not more.isascii() or len(text) > _REGION_LIMIT:
                yield from rest()
                return
            nxt = text.find(mark, searched)
        end = nxt + 1 if nxt >= 0 else len(text)
        if text.startswith(head, pos):
            if nxt >= 0 and pos >= tried:  # first the buffer's whole groups as one run
                tried = text.rfind(mark, nxt) + 1
                got = yield from read(text, pos, tried, line, context)
                if got >= 0:  # every group read, `got` their lines
                    misses = 0
                    line += got
                    pos = tried
                    continue
                for _ in range(-1 - got):  # past the groups it read, to the one it could not
                    misses, start = 0, pos
                    pos = text.find(mark, start) + 1
                    line += text.count("\n", start, pos)
                nxt = text.find(mark, pos)
                end = nxt + 1
            got = yield from read(text, pos, end, line, context)
            if got >= 0:
                misses = 0
                if nxt < 0:
                    return
                line += got
                pos = end
                continue
            misses += 1
            if misses >= _MISSES:
                yield from rest()
                return
        stopped = yield from _records(
            enumerate(_lines(text[pos:end]), start=line), structure, mapper, context, shared
        )
        if stopped or nxt < 0:
            return
        line += text.count("\n", pos, end)
        pos = end


def _kept(handle: TextIO, fast: FastPath, context: Context, records: _ReadRecords) -> Iterator[Outcome]:
    """`only_keys`' reading of a body, cut into regions as `_regions` cuts it: each buffer's
    regions of kept keys strung together and read by the fast path as one run (`run`),
    those of refused keys passed over on their raw first record, those without a key on it
    read record by record (every process reads them). A buffer that is not all ASCII, or a
    region too long: the rest record by record, by every process, as `_regions` does.
    `records`: `_records` of the file's structure, mapper, context and shared state.

    Every process walks every region of the file, so the walk is C-level maps over the
    buffer's pieces (`str.split` at the regions' first records: the same cuts as `find`
    from each region's start), a Python step only for the regions without a key."""
    code, read = fast
    mark, head = f"\n{code}|", f"{code}|"
    skip = len(head)
    keep, region = context.keep, context.region
    assert keep is not None
    verdicts = _verdicts
    assert verdicts.keep is keep
    first_chars = itemgetter(slice(0, _MPAN_DIGITS + 1))  # a piece's MPAN and `|`: its region's key
    newlines = repeat("\n")

    def run(joined: str, bounds: list[int], lines: list[int]) -> Iterator[Outcome]:
        """Kept regions strung together in `joined` (region i from bounds[i] to bounds[i +
        1], its first line lines[i]), by the fast path as one run with their lines (its
        events each say their region: -1 in `region`); from a region it cannot read, that
        one alone, record by record when it still cannot, then the rest as a run again."""
        first = 0
        while first < len(lines):
            region[:] = -1, True
            got = yield from read(joined, bounds[first], len(joined), lines[first], context, lines[first:])
            if got >= 0:
                return
            bad = first - 1 - got  # the region it could not read
            start, end, line = bounds[bad], bounds[bad + 1], lines[bad]
            region[:] = line, True
            if (yield from read(joined, start, end, line, context, None)) < 0:
                yield from records(enumerate(_lines(joined[start:end]), start=line))
            first = bad + 1

    def kept_run(pieces: list[str], lines: list[int], verdict: list[int], last: bool) -> Iterator[Outcome]:
        """The kept regions of `pieces` (each a region after its first `head`, `verdict` its
        key's; `last`: the final piece is the buffer's last region, with no cut's newline)."""
        chosen = list(map(_KEPT.__eq__, verdict))
        mine = list(compress(pieces, chosen))
        if not mine:
            return
        ends_buffer = last and chosen[-1]
        joined = head + mark.join(mine) + ("" if ends_buffer else "\n")
        bounds = list(accumulate(map(add, map(len, mine), repeat(skip + 1)), initial=0))
        if ends_buffer:
            bounds[-1] -= 1
        yield from run(joined, bounds, list(compress(lines, chosen)))

    text, line, eof = "", 2, False
    while not eof:
        more = handle.read(_TEXT_CHUNK)
        if more and not more.endswith("\n"):
            more += handle.readline()
        eof = not more
        text += more
        if not more.isascii() or len(text) > _REGION_LIMIT:
            region[:] = line, False
            yield from records(enumerate(chain(_lines(text), handle), start=line))
            return
        cut = len(text) if eof else text.rfind(mark) + 1  # the buffer's whole regions end there
        pos = 0
        if cut and not text.startswith(head):  # the body's start, before its first group
            pos = text.find(mark, 0, cut) + 1 or cut
            region[:] = line, False  # a region without a key: every process reads it
            if (yield from records(enumerate(_lines(text[:pos]), start=line))):
                return
            line += text.count("\n", 0, pos)
        if pos < cut:
            pieces = text[pos + skip : cut].split(mark)
            # Region i's first line: each piece's line ends, and the cut's own before the next.
            lines = list(accumulate(map(add, map(str.count, pieces, newlines), repeat(1)), initial=line))
            lines.pop()
            verdict = list(map(verdicts.__getitem__, map(first_chars, pieces)))
            keyless = [i for i, v in enumerate(verdict) if v == _KEYLESS] if _KEYLESS in verdict else []
            done = 0
            for at in keyless:
                yield from kept_run(pieces[done:at], lines[done:at], verdict[done:at], False)
                region[:] = lines[at], False
                end = "" if at == len(pieces) - 1 else "\n"
                if (yield from records(enumerate(_lines(head + pieces[at] + end), start=lines[at]))):
                    return
                done = at + 1
            yield from kept_run(pieces[done:], lines[done:], verdict[done:], True)
            line = lines[-1] + pieces[-1].count("\n")
        text = text[cut:]


def _lines(text: str) -> list[str]:
    """`text` cut into lines as a file opened with newline="\\n" yields them."""
    parts = text.split("\n")
    last = parts.pop()
    lines = [part + "\n" for part in parts]
    if last:
        lines.append(last)
    return lines


# What the record-by-record reader keeps across the regions of one file: the groups'
# specs, the memo of repeated records, the per-file counts of level-1 groups.
_Shared = tuple[dict[str, "_Spec"], dict[str, tuple["_Spec", tuple[Any, ...]]], dict[str, int]]
_ReadRecords = Callable[[Iterable[tuple[int, str]]], Generator[Outcome, None, bool]]


def _records(
    lines: Iterable[tuple[int, str]],
    structure: FlowStructure,
    mapper: Mapper,
    context: Context,
    shared: _Shared,
) -> Generator[Outcome, None, bool]:
    """Records to events and rejections, one event group in memory at a time; True when
    it stopped at the trailer.

    The hot path: per record one split, one dict lookup for its group, a few integer
    comparisons for its nesting, the group's generated parser, and a tuple for its node.
    Records that repeat verbatim (validation results, site visits) are parsed once.
    """
    specs, memo, per_file = shared
    event_level = structure.event_level
    event_index = event_level - 1
    event_code = next(group.code for group in structure.groups if group.level == event_level)
    required = structure.required_children
    checked = structure.checked_groups
    flow = structure.flow
    str_path = context.path
    key = context.file.key
    stack: list[Node] = []  # stack[i] is the open record at level i + 1
    poison: _Rejected | None = None  # a rejected record still taking its children
    damaged = False  # the open event group lost a record to a rejection
    counts = context.counts  # every outcome below is yielded: each is counted as it is made

    def rejection(held: _Rejected) -> RejectedRecord:
        counts[1] += 1
        return RejectedRecord(
            path=str_path,
            line=held.line,
            field=held.field,
            raw=held.raw,
            reason=held.reason,
            flow=flow,
            file_key=key,
            group=held.group,
            children=held.children,
        )

    def finish(node: Node, damaged: bool) -> Outcome:
        """The event of a finished event group (or its rejection when it cannot map).
        A `damaged` group lost records to a rejection: what a mandatory child it lacks
        was is unknown, so it goes out with what could be read."""
        try:
            if required and not damaged:
                _check_children(node, required, checked)
            event = mapper(node, stack[:event_index], context)
        except RecordError as exc:
            held = _Rejected(node[LINE], event_level, node[GROUP].code, exc.field, "", exc.reason)
            held.children = _count(node[CHILDREN])
            return rejection(held)
        counts[0] += 1
        return event

    def abandon(line: int, code: str | None, raw: str, reason: str) -> Iterator[Outcome]:
        """An unreadable record of unknown level: close the open event, hold the record."""
        nonlocal poison
        if poison is not None:
            yield rejection(poison)
        if len(stack) > event_index:
            yield finish(stack[event_index], True)
        del stack[event_index:]
        poison = _Rejected(line, event_level, code, None, raw, reason)

    stopped = False
    for line, raw in lines:
        hit = memo.get(raw)
        if hit is not None:
            spec, values = hit
        else:
            if not raw.isascii():
                try:
                    raw.encode("utf-8")
                except UnicodeEncodeError:
                    text = raw.rstrip("\r\n")
                    shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                    reason = "not UTF-8 text (corrupt or binary data): the record cannot be read"
                    yield from abandon(line, None, shown, reason)
                    continue
            # Split with the line ending still on: a whole record's last part is then
            # "\n" (or "\r\n"), and no stripped copy of the line is made.
            parts = raw.split("|")
            found = specs.get(parts[0])
            if found is None:
                text = raw.rstrip("\r\n")
                code = text.split("|", 1)[0]
                if code == "ZPT":
                    stopped = True
                    break  # pass 1 proved it is the one trailer and the last record
                if not text:
                    counts[1] += 1
                    yield RejectedRecord(
                        path=str_path,
                        line=line,
                        field=None,
                        raw=raw,
                        flow=flow,
                        file_key=key,
                        reason="empty line: not a record (ignored; not counted by the trailer)",
                    )
                    continue
                if code in specs:  # a record with no `|` after its code
                    parts = text.split("|")
                    found = specs[code]
                else:
                    reason = (
                        f"unknown group code {code!r} for {flow} (expected one of {', '.join(specs)}); "
                        f"the records after it up to the next {event_code} go with it"
                    )
                    yield from abandon(line, code, text, reason)
                    continue
            spec = found
            values = ()
        group, level, parent, width, limit, repeats, parse = spec
        if poison is not None:
            if level > poison.level:
                poison.children += 1
                continue
            yield rejection(poison)
            poison = None
        depth = level - 1
        opened = len(stack)
        if opened > depth:
            if opened > event_index >= depth:
                yield finish(stack[event_index], damaged)
            del stack[depth:]
            opened = depth
        if depth and (opened < depth or stack[depth - 1][GROUP] is not parent):
            poison = _orphan(group, stack, line, raw, structure)
            damaged = True
            continue
        if hit is None:
            last = parts[-1]
            if len(parts) != width or last not in _ENDINGS:
                parts[-1] = last.rstrip("\r\n")
                problem = _fit(parts, group)
                if problem is not None:
                    poison = _Rejected(line, level, group.code, None, raw.rstrip("\r\n"), problem)
                    damaged = True
                    continue
            try:
                values = parse(parts)
            except (ValueError, KeyError):
                parts[-1] = parts[-1].rstrip("\r\n")
                exc = group.explain(parts)
                reason = f"{group.describe()}: {exc.reason}"
                poison = _Rejected(line, level, group.code, exc.field, raw.rstrip("\r\n"), reason)
                damaged = True
                continue
            if repeats:
                if len(memo) >= _MEMO_LIMIT:
                    memo.clear()
                memo[raw] = (spec, values)
        node: Node = (group, line, values, [])
        if depth:
            siblings = stack[depth - 1][CHILDREN]
            if limit is not None and siblings and _occurs(siblings, group) >= limit:
                reason = f"{group.describe()}: at most {limit} per {parent.describe()} record"  # type: ignore[union-attr]
                poison = _Rejected(line, level, group.code, None, raw.rstrip("\r\n"), reason)
                damaged = True
                continue
            siblings.append(node)
        elif limit is not None:
            seen = per_file[group.code] = per_file.get(group.code, 0) + 1
            if seen > limit:
                reason = (
                    f"{group.describe()}: at most {limit} per file, this is number {seen}; "
                    "two files were joined or the sender repeated the group"
                )
                poison = _Rejected(line, level, group.code, None, raw.rstrip("\r\n"), reason)
                continue
        if depth == event_index:
            damaged = False
        stack.append(node)
    if poison is not None:
        yield rejection(poison)
    if len(stack) > event_index:
        yield finish(stack[event_index], damaged)
    return stopped


def _check_children(node: Node, required: dict[str, tuple[Group, ...]], checked: frozenset[str]) -> None:
    """RecordError when a record of the subtree lacks a child group the catalogue makes
    mandatory (an 026 with no 028, an 015 with no 016). Only groups in `checked` (those
    with a mandatory child at or below them) are visited."""
    group, line, _, children = node
    for needed in required.get(group.code, ()):
        for child in children:
            if child[GROUP] is needed:
                break
        else:
            raise RecordError(
                None,
                f"{group.describe()} at line {line} has no {needed.describe()}: "
                f"the catalogue requires at least {needed.min_occurs} per {group.code}",
            )
    for child in children:
        if child[GROUP].code in checked:
            _check_children(child, required, checked)


_MEMO_LIMIT = 256
_ENDINGS = frozenset(("\n", "\r\n"))  # the last part of a whole record, split with its line ending


def _occurs(siblings: list[Node], group: Group) -> int:
    count = 0
    for sibling in siblings:
        if sibling[GROUP] is group:
            count += 1
    return count


def _orphan(group: Group, stack: list[Node], line: int, text: str, structure: FlowStructure) -> _Rejected:
    nearest = stack[-1][GROUP].describe() if stack else "none"
    parent = structure.by_code[group.parent or ""]
    reason = (
        f"orphan record: {group.describe()} must follow its parent {parent.describe()}; "
        f"the nearest open group is {nearest}"
    )
    return _Rejected(line, group.level, group.code, None, text.rstrip("\r\n"), reason)


def _fit(parts: list[str], group: Group) -> str | None:
    """Bring a split record to one part per field plus its code; or say why it cannot be.

    The trailing `|` gives a last empty part, dropped here; trailing optional fields that
    a sender left off are padded as empty.
    """
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    count = len(parts) - 1
    expected = len(group.fields)
    if group.omitted_at:
        short = expected - len(group.omitted_at)
        if count == short:
            for index in group.omitted_at:  # ascending: each lands where the full layout has it
                parts.insert(index, "")
            return None
        if count != expected:
            return (
                f"{group.describe()} has {count} fields: {expected} are defined, or {short} "
                f"without {' and '.join(group.omissible)}"
            )
        return None
    if count > expected:
        return f"{group.describe()} has {count} fields, at most {expected} are defined"
    parts.extend([""] * (expected - count))
    return None


def _count(children: list[Node]) -> int:
    """How many records a subtree of children holds."""
    return sum(1 + _count(child[CHILDREN]) for child in children)
