"""Use cases on users: create (with a PIN), read, list, update, password."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.engine import Connection

from printwarden.accounts import store
from printwarden.accounts.credentials import hash_password
from printwarden.accounts.model import (
    User,
    normalise_roles,
    username_key,
    validate_password,
    validate_pin,
    validate_profile,
    validate_username,
)
from printwarden.accounts.service_base import AccountsBase
from printwarden.core.errors import ConflictError, NotFoundError, ValidationError
from printwarden.core.ids import new_id


class UsersMixin(AccountsBase):
    def create_user(self, username: str, *, full_name: str = "", email: str = "",
                    department: str = "", roles: Iterable[str] = ("user",),
                    password: str | None = None, pin: str | None = None, active: bool = True,
                    actor: str) -> User:
        name = validate_username(username)
        validate_profile(full_name=full_name, email=email, department=department)
        password_hash = None
        if password is not None:
            validate_password(password)
            password_hash = hash_password(password)
        user_id = new_id()
        pin_hash = self._keys.user_pin(user_id, validate_pin(pin)) if pin else None
        user = User(id=user_id, username=name, full_name=full_name.strip(),
                    email=email.strip(), department=department.strip(),
                    roles=normalise_roles(roles), active=active,
                    created_at=self._clock.now(), has_password=password_hash is not None,
                    has_pin=pin_hash is not None)
        return self._write_unique(
            lambda conn: self.create_user_in(conn, user, password_hash, pin_hash, actor=actor),
            f"username {name!r} is already taken")

    def create_user_in(self, conn: Connection, user: User, password_hash: str | None,
                       pin_hash: str | None, *, actor: str) -> User:
        """Insert a validated ``user`` inside the caller's transaction; ``pin_hash`` is
        ``KeyedHasher.user_pin(user.id, PIN)``."""
        existing = store.load_user_by_key(conn, username_key(user.username))
        if existing is not None:
            raise ConflictError(f"username {user.username!r} is already taken "
                                f"(by {existing.username!r})")
        store.insert_user(conn, user, password_hash=password_hash, pin_hash=pin_hash)
        self._audit.record_in(conn, actor, "user.create", user.id, username=user.username,
                              roles=sorted(user.roles), active=user.active)
        return user

    def get_user(self, user_id: str) -> User:
        return self._db.read(lambda conn: self.user_in(conn, user_id))

    def user_in(self, conn: Connection, user_id: str) -> User:
        user = store.load_user(conn, user_id)
        if user is None:
            raise NotFoundError(f"no user with id {user_id!r}")
        return user

    def get_user_by_username(self, username: str) -> User:
        user = self.find_user_by_username(username)
        if user is None:
            raise NotFoundError(f"no user named {username!r}")
        return user

    def find_user_by_username(self, username: str) -> User | None:
        return self._db.read(lambda conn: self.find_user_by_username_in(conn, username))

    def find_user_by_username_in(self, conn: Connection, username: str) -> User | None:
        return store.load_user_by_key(conn, username_key(username))

    def list_users(self, *, query: str | None = None, active: bool | None = None,
                   offset: int = 0, limit: int = 100) -> tuple[list[User], int]:
        """One page of users ordered by username, and how many match in all."""
        if offset < 0 or limit < 1:
            raise ValidationError("offset must be >= 0 and limit >= 1")
        return self._db.read(lambda conn: store.search_users(
            conn, query=query, active=active, offset=offset, limit=limit))

    def update_user(self, user_id: str, *, full_name: str | None = None,
                    email: str | None = None, department: str | None = None,
                    roles: Iterable[str] | None = None, active: bool | None = None,
                    actor: str) -> User:
        validate_profile(full_name=full_name, email=email, department=department)
        changes: dict[str, object] = {}
        for column, value in (("full_name", full_name), ("email", email),
                              ("department", department)):
            if value is not None:
                changes[column] = value.strip()
        if roles is not None:
            changes["roles"] = store.roles_text(normalise_roles(roles))
        if active is not None:
            changes["active"] = active
        return self._db.write(lambda conn: self.update_user_in(conn, user_id, changes,
                                                               actor=actor))

    def update_user_in(self, conn: Connection, user_id: str, changes: dict[str, object], *,
                       actor: str) -> User:
        before = self.user_in(conn, user_id)
        if not changes:
            return before
        store.update_user_row(conn, user_id, **changes)
        after = self.user_in(conn, user_id)
        if "admin" in before.roles and before.active and not (
                "admin" in after.roles and after.active):
            self._refuse_losing_last_admin(conn)
        self._audit.record_in(conn, actor, "user.update", user_id, changes=sorted(changes),
                              roles=sorted(after.roles), active=after.active)
        return after

    def _refuse_losing_last_admin(self, conn: Connection) -> None:
        if store.count_active_admins(conn) == 0:
            raise ConflictError("cannot remove or disable the last active administrator")

    def set_password(self, user_id: str, password: str, *, actor: str) -> None:
        validate_password(password)
        password_hash = hash_password(password)

        def work(conn: Connection) -> None:
            self.user_in(conn, user_id)
            store.update_user_row(conn, user_id, password_hash=password_hash)
            self._audit.record_in(conn, actor, "user.password", user_id)

        self._db.write(work)
