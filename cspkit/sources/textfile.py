"""Turn a file's bytes into text and CSV records, with errors that say where.

Every reader starts here, so every reader reports a bad encoding, an empty file or a
ragged row the same way: file, line, column, what was expected, what was found.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cspkit.errors import SourceFormatError

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class SourceText:
    """A file's decoded text and the facts about its bytes that provenance needs."""

    path: str
    sha256: str
    size: int
    text: str
    had_bom: bool


def read_text(path: str | Path) -> SourceText:
    """Read a file as UTF-8 (with or without byte order mark), or say exactly why not."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SourceFormatError(f"cannot read the file: {exc.strerror}", path=name) from exc
    return decode_bytes(name, data)


def decode_bytes(name: str, data: bytes) -> SourceText:
    """As :func:`read_text`, for bytes already read (a member of a zip archive, say)."""
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise SourceFormatError(
            "the file is empty; expected a CSV file with a header line and data rows",
            path=name,
        )
    if data.startswith(UTF16_BOMS):
        raise SourceFormatError(
            "the file is UTF-16 text (as Excel's 'Unicode Text' saves it); expected UTF-8. "
            "Save it again as 'CSV UTF-8 (Comma delimited)'",
            path=name,
            line=1,
            column=1,
        )
    had_bom = data.startswith(UTF8_BOM)
    body = data[len(UTF8_BOM) :] if had_bom else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(body, exc.start)
        bad = body[exc.start : exc.start + 1].hex().upper()
        raise SourceFormatError(
            f"byte 0x{bad} (character {column} of the line) is not valid UTF-8; expected "
            "UTF-8 text (the file may have been saved as Windows-1252/Latin-1). "
            "Save it again as 'CSV UTF-8 (Comma delimited)'",
            path=name,
            line=line,
        ) from None
    return SourceText(name, digest, len(data), text, had_bom)


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters of the decodable prefix) of a byte offset."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return line, column


@dataclass
class CsvRecords:
    """A CSV file's header and an iterator of (line number, record) for its data rows."""

    source: SourceText
    header: list[str]
    header_line: int
    _reader: Iterator[list[str]]
    _csv: object

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Data rows with the line each ends on; wholly blank lines are skipped."""
        reader = self._csv
        for record in self._reader:
            if not record or not any(cell.strip() for cell in record):
                continue
            yield reader.line_num, record  # type: ignore[attr-defined]


def csv_records(source: SourceText, *, skip_lines: int = 0) -> CsvRecords:
    """Open the text as CSV (any line ends) and read its header line."""
    stream = io.StringIO(source.text, newline="")
    reader = csv.reader(stream, strict=True)
    header: list[str] = []
    try:
        for _ in range(skip_lines):
            next(reader)
        while not header or not any(cell.strip() for cell in header):
            header = next(reader)
    except StopIteration:
        raise SourceFormatError("no header line found", path=source.path, line=1) from None
    except csv.Error as exc:
        raise SourceFormatError(
            f"not readable as CSV ({exc})", path=source.path, line=reader.line_num
        ) from None
    header = [cell.strip() for cell in header]
    return CsvRecords(source, header, reader.line_num, _safe(reader, source.path), reader)


def _safe(reader, path: str) -> Iterator[list[str]]:
    """Re-raise the csv module's errors with the file and line."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise SourceFormatError(
                f"not readable as CSV ({exc})", path=path, line=reader.line_num
            ) from None


def parse_count(cell: str) -> int | None:
    """A published count: "12", " 12 ", "1,234" -> int; "" -> None; anything else raises."""
    text = cell.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return int(text)
    if _is_thousands(text):
        return int(text.replace(",", ""))
    raise ValueError(text)


def _is_thousands(text: str) -> bool:
    """True for digits grouped in threes by commas: 1,234 or 12,345,678."""
    groups = text.split(",")
    return (
        len(groups) > 1
        and 1 <= len(groups[0]) <= 3
        and all(g.isascii() and g.isdigit() for g in groups)
        and all(len(g) == 3 for g in groups[1:])
    )
