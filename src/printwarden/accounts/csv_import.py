"""Import users from CSV (columns: ``csv_rows.py``), ``CHUNK`` lines to a transaction.

Every line is checked first without the database; a line that fails is reported with its
number and the others go on. Per chunk, the new users that cannot clash are inserted
together (``csv_bulk.py``); each other line is applied in a savepoint of its own, so a
clash (a card in use, the last admin losing his role) fails that line alone. 20,000 lines
cost 40 commits, not 20,000.

With ``generate_id_numbers`` every user of the file who has no ID number and no
``id_number`` cell gets a generated one, listed in the report (``id_numbers``): the only
time those numbers exist in clear. When the numbers allowed at ``id_number_length`` would
not cover them, the whole import is refused before any line is applied. Chunks that
assign ID numbers hold the ID-number lock (``store.lock_id_numbers``) and keep the count.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from printwarden.accounts import group_store, store
from printwarden.accounts.csv_bulk import CsvBulkMixin
from printwarden.accounts.csv_rows import (
    ImportLine,
    ImportOptions,
    LineOutcome,
    Progress,
    checked_line,
    read_csv_rows,
)
from printwarden.accounts.model import Group, ImportReport, User, check_id_number_room
from printwarden.core.errors import PrintwardenError
from printwarden.core.ids import new_id

#: Lines per transaction.
CHUNK = 500
IN_USE = "card, ID number or name already in use"


class CsvImportMixin(CsvBulkMixin):
    def import_users_csv(self, text: str, *, actor: str, update_existing: bool = True,
                         generate_id_numbers: bool = False,
                         progress: Progress | None = None) -> ImportReport:
        rows = read_csv_rows(text)
        report = ImportReport()
        lines: list[ImportLine] = []
        for number, row in rows:
            try:
                lines.append(checked_line(number, row, id_number_length=self.id_number_length))
            except PrintwardenError as exc:
                report.errors.append((number, exc.message))
        options = ImportOptions(actor, update_existing, generate_id_numbers)
        if generate_id_numbers:
            self._check_room_for_generated(lines, update_existing)
        done = len(rows) - len(lines)
        for start in range(0, len(lines), CHUNK):
            chunk = lines[start:start + CHUNK]
            for outcome in self._apply_chunk(chunk, options):
                self._count(report, outcome)
            done += len(chunk)
            if progress is not None:
                progress(done, len(rows))
        report.errors.sort()
        report.id_numbers.sort()
        return report

    @staticmethod
    def _count(report: ImportReport, outcome: LineOutcome) -> None:
        if outcome.kind == "error":
            report.errors.append((outcome.line, outcome.message))
            return
        setattr(report, outcome.kind, getattr(report, outcome.kind) + 1)
        if outcome.generated is not None:
            report.id_numbers.append((outcome.line, *outcome.generated))

    def _check_room_for_generated(self, lines: list[ImportLine], update_existing: bool) -> None:
        """Refuse the whole import when the numbers to generate would not fit."""
        def read(conn: Connection) -> tuple[int, dict[str, bool]]:
            return store.count_id_numbers(conn), store.id_number_holders_by_key(conn)

        assigned, holders = self._db.read(read)
        wanted = {line.key for line in lines if line.id_number is None and (
            line.key not in holders or (update_existing and not holders[line.key]))}
        check_id_number_room(assigned, self.id_number_length, adding=len(wanted))

    def _apply_chunk(self, chunk: list[ImportLine],
                     options: ImportOptions) -> list[LineOutcome]:
        """One transaction; should the fast path meet a concurrent writer's row (a
        unique clash), the chunk is applied again line by line."""
        try:
            return self._db.write(self._chunk_work(chunk, options, bulk=True))
        except IntegrityError:
            return self._db.write(self._chunk_work(chunk, options, bulk=False))

    def _chunk_work(self, chunk: list[ImportLine], options: ImportOptions, *,
                    bulk: bool) -> Callable[[Connection], list[LineOutcome]]:
        def work(conn: Connection) -> list[LineOutcome]:
            assigned: int | None = None
            if options.generate_id_numbers or any(line.id_number for line in chunk):
                store.lock_id_numbers(conn)
                assigned = store.count_id_numbers(conn)
            outcomes: list[LineOutcome] = []
            left = chunk
            if bulk:
                done = self._create_in_bulk(conn, chunk, options, assigned)
                outcomes, left = done.outcomes, done.left
                if assigned is not None:
                    assigned += done.id_numbers_added
            for line in left:
                outcome, added = self._import_in_savepoint(conn, line, options, assigned)
                if assigned is not None:
                    assigned += added
                outcomes.append(outcome)
            return outcomes

        return work

    def _import_in_savepoint(self, conn: Connection, line: ImportLine, options: ImportOptions,
                             assigned: int | None) -> tuple[LineOutcome, int]:
        try:
            with conn.begin_nested():
                return self._import_line(conn, line, options, assigned)
        except PrintwardenError as exc:
            return LineOutcome(line.line, "error", exc.message), 0
        except IntegrityError:
            return LineOutcome(line.line, "error", IN_USE), 0

    def _import_line(self, conn: Connection, line: ImportLine, options: ImportOptions,
                     assigned: int | None) -> tuple[LineOutcome, int]:
        """Apply one checked line; its outcome and how many ID numbers it added."""
        actor = options.actor
        user = store.load_user_by_key(conn, line.key)
        if user is not None and not options.update_existing:
            return LineOutcome(line.line, "skipped"), 0
        kind = "updated" if user is not None else "created"
        if user is None:
            user_id = new_id()
            pin_hash = self._keys.user_pin(user_id, line.pin) if line.pin else None
            user = self.create_user_in(conn, User(
                id=user_id, username=line.username, full_name=line.profile.get("full_name", ""),
                email=line.profile.get("email", ""),
                department=line.profile.get("department", ""),
                roles=line.roles or frozenset({"user"}), active=True,
                created_at=self._clock.now()), None, pin_hash, actor=actor)
        else:
            changes: dict[str, object] = dict(line.profile)
            if line.roles is not None:
                changes["roles"] = store.roles_text(line.roles)
            self.update_user_in(conn, user.id, changes, actor=actor)
            if line.pin is not None:
                self.set_pin_in(conn, user.id, line.pin, actor=actor)
        self._import_card(conn, user.id, line.card, actor=actor)
        for name in line.groups:
            group = self._group_named(conn, name, actor=actor)
            self.add_member_in(conn, group.id, user.id, actor=actor)
        if assigned is None:
            return LineOutcome(line.line, kind), 0
        others = assigned - (1 if user.has_id_number else 0)
        if line.id_number is not None:
            self.set_id_number_in(conn, user.id, line.id_number, actor=actor, assigned=others)
            return LineOutcome(line.line, kind), others + 1 - assigned
        if options.generate_id_numbers and not user.has_id_number:
            number = self.generate_id_number_in(conn, user.id, actor=actor, assigned=others)
            return LineOutcome(line.line, kind, generated=(user.username, number)), 1
        return LineOutcome(line.line, kind), 0

    def _import_card(self, conn: Connection, user_id: str, card: str | None, *,
                     actor: str) -> None:
        if card is None:
            return
        existing = store.card_id_by_hash(conn, self._keys.card(card))
        if existing is not None and existing[1] == user_id:
            return  # already theirs: importing the same file twice changes nothing
        self.add_card_in(conn, user_id, card, actor=actor)

    def _group_named(self, conn: Connection, name: str, *, actor: str) -> Group:
        group = group_store.load_group_by_name(conn, name)
        if group is not None:
            return group
        return self.create_group_in(conn, Group(id=new_id(), name=name, description="",
                                                created_at=self._clock.now()), actor=actor)
