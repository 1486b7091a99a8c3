"""Reader and writer of Pabulib ``.pb`` files (pure Python, no Django).

A file has three sections, each introduced by a line ``META``, ``PROJECTS`` or ``VOTES``; fields are separated by
``;`` with CSV double-quote escaping; the line after ``META`` (``key;value``), ``PROJECTS`` and ``VOTES`` is a
header. Line endings may be CRLF or LF. Project ids are strings. ``vote`` lists project ids separated by commas (in
rank order for ordinal ballots); cumulative and scoring ballots carry a matching ``points`` column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from parlons.modules.budgets.vote_rules import Election, Number

VOTE_TYPES = ("approval", "ordinal", "cumulative", "scoring")
_SECTIONS = ("META", "PROJECTS", "VOTES")


class PabulibError(ValueError):
    """A malformed ``.pb`` file: ``line`` is 1-based (0 when the problem is the file as a whole)."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}" if line else reason)
        self.line = line
        self.reason = reason


@dataclass
class PbVote:
    voter_id: str
    projects: tuple[str, ...]
    points: tuple[Number, ...] | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class PbFile:
    meta: dict[str, str]
    projects: dict[str, dict[str, str]]  # id -> all columns (cost parsed separately in ``costs``)
    costs: dict[str, Number]
    votes: list[PbVote]

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval")

    @property
    def budget(self) -> Number:
        return parse_number(self.meta["budget"], 0, "budget")

    def election(self) -> Election:
        """The tally input: every project with positive points (or listed) on a ballot counts as supported."""
        ballots: list[Sequence[str]] = []
        for vote in self.votes:
            if vote.points is None:
                ballots.append(vote.projects)
            else:
                ballots.append(tuple(p for p, pts in zip(vote.projects, vote.points, strict=True) if pts > 0))
        # ``parse`` rejects a ballot naming a project twice: the ballots are distinct.
        return Election(budget=self.budget, costs=self.costs, ballots=ballots, distinct=True)


def parse_number(text: str, line: int, what: str) -> Number:
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise PabulibError(line, f"{what} is not a number: {text!r}") from None
    return value.numerator if value.denominator == 1 else value


def loads(text: str) -> PbFile:
    """Parse the content of a ``.pb`` file. Raises ``PabulibError`` with the line number and the reason."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"', strict=True)
    section: str | None = None
    header: list[str] | None = None
    meta: dict[str, str] = {}
    projects: dict[str, dict[str, str]] = {}
    costs: dict[str, Number] = {}
    votes: list[PbVote] = []
    seen: list[str] = []
    voter_ids: set[str] = set()
    vote_type = "approval"
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not cell.strip() for cell in row):
                continue
            first = row[0].strip()
            if len(row) == 1 and first.upper() in _SECTIONS:
                name = first.upper()
                if name in seen:
                    raise PabulibError(line, f"section {name} appears twice")
                expected = _SECTIONS[len(seen)]
                if name != expected:
                    raise PabulibError(line, f"section {name} found where {expected} was expected")
                seen.append(name)
                section, header = name, None
                if name == "PROJECTS":
                    vote_type = _check_meta(meta, line)
                continue
            if section is None:
                raise PabulibError(line, "content before the META section")
            if header is None:
                header = [h.strip() for h in row]
                _check_header(section, header, line, vote_type)
                continue
            if len(row) != len(header):
                raise PabulibError(line, f"{len(row)} fields where the header has {len(header)}")
            if section == "META":
                meta[row[0].strip()] = row[1].strip()
            elif section == "PROJECTS":
                record = dict(zip(header, (c.strip() for c in row), strict=True))
                pid = record["project_id"]
                if not pid:
                    raise PabulibError(line, "empty project_id")
                if pid in projects:
                    raise PabulibError(line, f"project {pid!r} appears twice")
                cost = parse_number(record["cost"], line, "cost")
                if cost < 0:
                    raise PabulibError(line, f"project {pid!r} has a negative cost")
                projects[pid] = record
                costs[pid] = cost
            else:
                votes.append(
                    _parse_vote(dict(zip(header, row, strict=True)), line, vote_type, projects, voter_ids)
                )
    except csv.Error as exc:
        raise PabulibError(reader.line_num, f"badly quoted field ({exc})") from None
    for name in _SECTIONS:
        if name not in seen:
            raise PabulibError(0, f"missing {name} section")
    return PbFile(meta=meta, projects=projects, costs=costs, votes=votes)


def load(path: str) -> PbFile:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return loads(handle.read())
    except UnicodeDecodeError as exc:
        raise PabulibError(0, f"not UTF-8 text ({exc.reason})") from None


def _check_meta(meta: dict[str, str], line: int) -> str:
    if "budget" not in meta:
        raise PabulibError(line, "META has no budget")
    if parse_number(meta["budget"], line, "budget") < 0:
        raise PabulibError(line, "the budget is negative")
    vote_type = meta.get("vote_type", "approval")
    if vote_type not in VOTE_TYPES:
        raise PabulibError(line, f"unknown vote_type {vote_type!r}")
    return vote_type


def _check_header(section: str, header: list[str], line: int, vote_type: str) -> None:
    required = {
        "META": ("key", "value"),
        "PROJECTS": ("project_id", "cost"),
        "VOTES": ("voter_id", "vote") + (("points",) if vote_type in ("cumulative", "scoring") else ()),
    }[section]
    for column in required:
        if column not in header:
            raise PabulibError(line, f"the {section} header has no {column!r} column")
    if len(set(header)) != len(header):
        raise PabulibError(line, f"the {section} header repeats a column")


def _parse_vote(
    record: dict[str, str], line: int, vote_type: str, projects: Mapping[str, object], voter_ids: set[str]
) -> PbVote:
    voter = record["voter_id"].strip()
    if voter in voter_ids:
        raise PabulibError(line, f"voter {voter!r} votes twice")
    voter_ids.add(voter)
    raw = record["vote"].strip()
    chosen = tuple(p.strip() for p in raw.split(",")) if raw and raw != "None" else ()
    for pid in chosen:
        if pid not in projects:
            raise PabulibError(line, f"vote for unknown project {pid!r}")
    if len(set(chosen)) != len(chosen):
        raise PabulibError(line, "a project appears twice on the same ballot")
    points: tuple[Number, ...] | None = None
    if vote_type in ("cumulative", "scoring"):
        raw_points = record["points"].strip()
        values = [p for p in raw_points.split(",")] if raw_points and raw_points != "None" else []
        if len(values) != len(chosen):
            raise PabulibError(line, f"{len(values)} points for {len(chosen)} projects")
        points = tuple(parse_number(v, line, "points") for v in values)
        if any(p < 0 for p in points):
            raise PabulibError(line, "negative points")
    elif vote_type == "ordinal":
        points = tuple(len(chosen) - r for r in range(len(chosen)))
    extra = {k: v for k, v in record.items() if k not in ("voter_id", "vote", "points")}
    return PbVote(voter_id=voter, projects=chosen, points=points, extra=extra)


def _fmt(value: object) -> str:
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else str(float(value))
    return str(value)


def dumps(
    *,
    meta: Mapping[str, object],
    projects: Iterable[Mapping[str, object]],
    votes: Iterable[PbVote],
) -> str:
    """Write a ``.pb`` file (LF line endings). ``projects`` rows need ``project_id`` and ``cost``; every row has the
    columns of the first one. ``meta`` must hold ``budget`` and ``vote_type``."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quotechar='"', lineterminator="\n")
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    for key, value in meta.items():
        writer.writerow([key, _fmt(value)])
    rows = list(projects)
    columns = list(rows[0]) if rows else ["project_id", "cost"]
    writer.writerow(["PROJECTS"])
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_fmt(row.get(c, "")) for c in columns])
    writer.writerow(["VOTES"])
    vote_list = list(votes)
    with_points = str(meta.get("vote_type")) in ("cumulative", "scoring")
    extra_columns = list(vote_list[0].extra) if vote_list else []
    writer.writerow(["voter_id", "vote", *(["points"] if with_points else []), *extra_columns])
    for vote in vote_list:
        cells = [vote.voter_id, ",".join(vote.projects)]
        if with_points:
            cells.append(",".join(_fmt(p) for p in vote.points or ()))
        cells.extend(vote.extra.get(c, "") for c in extra_columns)
        writer.writerow(cells)
    return out.getvalue()
