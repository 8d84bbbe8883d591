"""Authentication by username and password and by API token; principals of users.

Every failure raises AuthenticationFailed with the same generic message, and an unknown
username costs the same argon2 verification as a wrong password, so a caller can tell
them apart neither by the answer nor by its time. Password failures are throttled per
(username, source), per source and per terminal and written to the audit log
(``sign_in_attempts.py``); API-token failures per source. Nothing locks a name: its owner
signing in from elsewhere is let in. Card, PIN and ID-number sign-ins: ``device_sign_in.py``.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Connection

from printwarden.accounts import store, token_store
from printwarden.accounts.credentials import (
    API_TOKEN_PREFIX,
    hash_password,
    needs_rehash,
    new_api_token,
    token_digest,
    verify_password,
)
from printwarden.accounts.model import (
    ApiToken,
    User,
    username_key,
    validate_token_name,
)
from printwarden.accounts.sign_in_attempts import (
    Gate,
    Place,
    SignInAttemptsMixin,
    typed_name,
)
from printwarden.core.errors import AuthenticationFailed, NotFoundError, UnknownToken
from printwarden.core.ids import new_id
from printwarden.core.principal import Principal

BAD_TOKEN = "unknown or revoked token"
#: ``last_used_at`` is refreshed at most this often, so reads do not all become writes.
LAST_USED_GRANULARITY = timedelta(minutes=1)


def principal_of(user: User) -> Principal:
    return Principal(kind="user", id=user.id, name=user.username, roles=user.roles)


class AuthenticationMixin(SignInAttemptsMixin):
    def authenticate_password(self, username: str, password: str, *, source: str = "",
                              terminal: str = "") -> User:
        """The active user with this password; ``source`` (the client's address, or
        ``agent:ID/address``) and ``terminal`` key the throttles. TooManyAttempts while
        they say wait."""
        name = username_key(username)[:256]
        place = Place.of(source, terminal)
        gates = [Gate(self._throttle, (f"user:{name}@{place.source}",), reset_on_success=True),
                 *self._place_gates(place)]
        taken = self._enter(gates)
        found = self._db.read(lambda conn: store.password_hash_of(conn, name))
        user, password_hash = found if found else (None, None)
        matches = verify_password(password_hash, password)  # runs for unknown names too
        if user is None or not matches or not user.active:
            self._failed("password", gates, place, user_id=user.id if user else None,
                         username=typed_name(username))
        self._succeeded(gates, taken)
        if password_hash and needs_rehash(password_hash):
            new_hash = hash_password(password)
            self._db.write(lambda conn: store.update_user_row(conn, user.id,
                                                              password_hash=new_hash))
        return user

    # --- API tokens -----------------------------------------------------------------------
    def create_api_token(self, user_id: str, name: str, *, actor: str) -> tuple[str, ApiToken]:
        """A new token for ``user_id``: the plain ``pwu_...`` string (shown once) and its record."""
        plain = new_api_token()
        token = ApiToken(id=new_id(), user_id=user_id, name=validate_token_name(name),
                         created_at=self._clock.now())

        def work(conn: Connection) -> ApiToken:
            if store.load_user(conn, user_id) is None:
                raise NotFoundError(f"no user with id {user_id!r}")
            token_store.insert_token(conn, token, token_digest(plain))
            self._audit.record_in(conn, actor, "token.create", user_id, token_id=token.id,
                                  name=token.name)
            return token

        return plain, self._db.write(work)

    def list_api_tokens(self, user_id: str) -> list[ApiToken]:
        def read(conn: Connection) -> list[ApiToken]:
            if store.load_user(conn, user_id) is None:
                raise NotFoundError(f"no user with id {user_id!r}")
            return token_store.tokens_of(conn, user_id)

        return self._db.read(read)

    def get_api_token(self, token_id: str) -> ApiToken:
        token = self._db.read(lambda conn: token_store.load_token(conn, token_id))
        if token is None:
            raise NotFoundError(f"no API token with id {token_id!r}")
        return token

    def revoke_api_token(self, token_id: str, *, actor: str) -> None:
        """Revoke the token; revoking it again changes nothing."""
        def work(conn: Connection) -> None:
            token = token_store.load_token(conn, token_id)
            if token is None:
                raise NotFoundError(f"no API token with id {token_id!r}")
            if token.revoked_at is None:
                token_store.set_token_times(conn, token_id, revoked_at=self._clock.now())
                self._audit.record_in(conn, actor, "token.revoke", token.user_id,
                                      token_id=token_id, name=token.name)

        self._db.write(work)

    def principal_for_token(self, token: str, *, source: str = "") -> Principal:
        """The principal of an API token; failures are throttled per ``source``."""
        key = [f"token:{source}"]
        self._throttle.check(key)
        try:
            return self._principal_for_token(token)
        except AuthenticationFailed:
            self._throttle.record_failure(key)
            raise

    def _principal_for_token(self, token: str) -> Principal:
        if not token.startswith(API_TOKEN_PREFIX) or len(token) > 200:
            raise AuthenticationFailed(BAD_TOKEN)
        digest = token_digest(token)

        def read(conn: Connection) -> tuple[ApiToken, User] | None:
            record = token_store.load_token_by_hash(conn, digest)
            user = store.load_user(conn, record.user_id) if record else None
            return (record, user) if record and user else None

        found = self._db.read(read)
        if found is None:
            raise UnknownToken(BAD_TOKEN)
        if found[0].revoked or not found[1].active:
            raise AuthenticationFailed(BAD_TOKEN)
        record, user = found
        now = self._clock.now()
        if record.last_used_at is None or now - record.last_used_at >= LAST_USED_GRANULARITY:
            self._db.write(lambda conn: token_store.set_token_times(conn, record.id,
                                                                    last_used_at=now))
        return principal_of(user)

    def principal_for_user(self, user_id: str) -> Principal | None:
        user = self._db.read(lambda conn: store.load_user(conn, user_id))
        if user is None or not user.active:
            return None
        return principal_of(user)
