"""Read and write Pol.is's export format: votes.csv, comments.csv, participants-votes.csv (agree = +1).

votes.csv is the vote history (timestamp,datetime,comment-id,voter-id,vote): the latest vote of a pair counts.
comments.csv: timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated (1 in, 0 waiting, -1 out),
comment-body. participants-votes.csv: participant,[xid,]group-id,n-comments,n-votes,n-agree,n-disagree, then
one column per comment id holding the final vote (blank = not seen). Malformed files raise PolisFormatError
naming the file, the line and the reason.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from parlons.insights.opinion.matrix import VOTE_VALUES, VoteMatrix, in_conversation_replay, vote_matrix

VOTES = "votes.csv"
COMMENTS = "comments.csv"
PARTICIPANTS_VOTES = "participants-votes.csv"
VOTES_HEADER = ("timestamp", "datetime", "comment-id", "voter-id", "vote")
COMMENTS_HEADER = (
    "timestamp",
    "datetime",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "comment-body",
)
PARTICIPANT_FIXED = ("participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree")
MODERATION_VALUES = (-1, 0, 1)


class PolisFormatError(ValueError):
    """A malformed Pol.is file: ``file``, ``line`` (1 = the header) and ``reason``."""

    def __init__(self, file: str, line: int, reason: str):
        self.file, self.line, self.reason = file, line, reason
        super().__init__(f"{file}, line {line}: {reason}")


@dataclass(frozen=True)
class Vote:
    timestamp: int
    comment: int
    voter: int
    vote: int


@dataclass(frozen=True)
class Comment:
    id: int
    author: int
    body: str
    moderated: int = 1
    timestamp: int = 0
    agrees: int = 0
    disagrees: int = 0


@dataclass
class PolisConversation:
    votes: list[Vote] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    # participant -> the group Pol.is assigned (None = not in a group), when participants-votes.csv is there.
    groups: dict[int, int | None] = field(default_factory=dict)

    def matrix(self) -> VoteMatrix:
        """The final vote matrix: latest vote per (voter, comment) by timestamp, all comments as columns."""
        ordered = sorted(self.votes, key=lambda v: v.timestamp)
        statements = sorted({c.id for c in self.comments} | {v.comment for v in ordered})
        return vote_matrix(((v.voter, v.comment, v.vote) for v in ordered), statements=statements)

    def in_conversation(self) -> set[Hashable]:
        """Pol.is's in-conversation set, replayed from the vote history (see ``in_conversation_replay``)."""
        return in_conversation_replay(
            ((v.voter, v.comment, v.timestamp) for v in self.votes), (c.timestamp for c in self.comments)
        )

    def moderated_out(self) -> set[int]:
        return {c.id for c in self.comments if c.moderated == -1}


def _rows(text: str, name: str, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise PolisFormatError(name, 1, "the file is empty, a header line is expected") from None
    except csv.Error as exc:
        raise PolisFormatError(name, 1, f"unreadable CSV ({exc})") from None
    header = [h.strip() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise PolisFormatError(name, 1, f"missing column(s): {', '.join(missing)}")
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise PolisFormatError(name, reader.line_num, f"unreadable CSV ({exc})") from None
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise PolisFormatError(
                name, reader.line_num, f"{len(row)} fields where the header has {len(header)}"
            )
        yield reader.line_num, dict(zip(header, row, strict=True))


def _int(value: str, name: str, line: int, column: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        shown = value if len(value) <= 20 else value[:20] + "…"
        raise PolisFormatError(name, line, f"{column} must be a whole number, not {shown!r}") from None


def parse_votes(text: str, name: str = VOTES) -> list[Vote]:
    votes = []
    for line, row in _rows(text, name, ("timestamp", "comment-id", "voter-id", "vote")):
        vote = _int(row["vote"], name, line, "vote")
        if vote not in VOTE_VALUES:
            raise PolisFormatError(name, line, f"vote must be 1, -1 or 0, not {vote}")
        votes.append(
            Vote(
                timestamp=_int(row["timestamp"], name, line, "timestamp"),
                comment=_int(row["comment-id"], name, line, "comment-id"),
                voter=_int(row["voter-id"], name, line, "voter-id"),
                vote=vote,
            )
        )
    return votes


def parse_comments(text: str, name: str = COMMENTS) -> list[Comment]:
    comments: list[Comment] = []
    seen: set[int] = set()
    for line, row in _rows(text, name, ("comment-id", "author-id", "moderated", "comment-body")):
        cid = _int(row["comment-id"], name, line, "comment-id")
        if cid in seen:
            raise PolisFormatError(name, line, f"comment-id {cid} appears twice")
        seen.add(cid)
        moderated = _int(row["moderated"], name, line, "moderated")
        if moderated not in MODERATION_VALUES:
            raise PolisFormatError(name, line, f"moderated must be 1, 0 or -1, not {moderated}")
        comments.append(
            Comment(
                id=cid,
                author=_int(row["author-id"], name, line, "author-id"),
                body=row["comment-body"],
                moderated=moderated,
                timestamp=_int(row.get("timestamp") or "0", name, line, "timestamp"),
                agrees=_int(row.get("agrees") or "0", name, line, "agrees"),
                disagrees=_int(row.get("disagrees") or "0", name, line, "disagrees"),
            )
        )
    return comments


def parse_participant_groups(text: str, name: str = PARTICIPANTS_VOTES) -> dict[int, int | None]:
    groups: dict[int, int | None] = {}
    for line, row in _rows(text, name, ("participant", "group-id")):
        pid = _int(row["participant"], name, line, "participant")
        raw = row["group-id"].strip()
        groups[pid] = _int(raw, name, line, "group-id") if raw else None
        for column, value in row.items():
            if column.isdigit() and value.strip() and _int(value, name, line, column) not in VOTE_VALUES:
                raise PolisFormatError(name, line, f"vote on comment {column} must be 1, -1, 0 or blank")
    return groups


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PolisFormatError(path.name, 1, f"not UTF-8 text ({exc.reason})") from None


def read_conversation(directory: str | Path) -> PolisConversation:
    """Read a Pol.is export folder; votes.csv is required, comments.csv and participants-votes.csv optional."""
    folder = Path(directory)
    if not (folder / VOTES).is_file():
        raise PolisFormatError(VOTES, 0, f"no {VOTES} in {folder}")
    conversation = PolisConversation(votes=parse_votes(_read(folder / VOTES)))
    if (folder / COMMENTS).is_file():
        conversation.comments = parse_comments(_read(folder / COMMENTS))
    if (folder / PARTICIPANTS_VOTES).is_file():
        conversation.groups = parse_participant_groups(_read(folder / PARTICIPANTS_VOTES))
    return conversation


def _stamp(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%a %b %d %H:%M:%S %Z %Y")


def votes_csv(votes: Iterable[Vote]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(VOTES_HEADER)
    for v in votes:
        writer.writerow([v.timestamp, _stamp(v.timestamp), v.comment, v.voter, v.vote])
    return out.getvalue()


def comments_csv(comments: Iterable[Comment]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COMMENTS_HEADER)
    for c in comments:
        writer.writerow(
            [c.timestamp, _stamp(c.timestamp), c.id, c.author, c.agrees, c.disagrees, c.moderated, c.body]
        )
    return out.getvalue()


def participants_votes_csv(matrix: VoteMatrix, groups: dict[int, int | None], comment_ids: list[int]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*PARTICIPANT_FIXED, *comment_ids])
    col = {s: j for j, s in enumerate(matrix.statements)}
    authored: dict[int, int] = {}
    for i, participant in enumerate(matrix.participants):
        row = matrix.values[i]
        cells = []
        for cid in comment_ids:
            j = col.get(cid)
            value = row[j] if j is not None else float("nan")
            cells.append("" if value != value else str(int(value)))  # NaN != NaN: not seen
        seen = [c for c in cells if c]
        group = groups.get(participant)
        writer.writerow(
            [
                participant,
                "" if group is None else group,
                authored.get(participant, 0),
                len(seen),
                seen.count("1"),
                seen.count("-1"),
                *cells,
            ]
        )
    return out.getvalue()


def write_conversation(
    directory: str | Path,
    conversation: PolisConversation,
    *,
    groups: dict[int, int | None] | None = None,
) -> None:
    """Write the three files of the export into ``directory`` (created if needed)."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / VOTES).write_text(
        votes_csv(sorted(conversation.votes, key=lambda v: v.timestamp)), encoding="utf-8"
    )
    (folder / COMMENTS).write_text(comments_csv(conversation.comments), encoding="utf-8")
    matrix = conversation.matrix()
    comment_ids = sorted(c.id for c in conversation.comments)
    text = participants_votes_csv(matrix, groups if groups is not None else conversation.groups, comment_ids)
    (folder / PARTICIPANTS_VOTES).write_text(text, encoding="utf-8")
