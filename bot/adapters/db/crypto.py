"""Optional encryption at rest of free-text columns (Fernet), with key rotation.

Without a key, the columns hold what they always held. With `TRUSTCOACH_ENCRYPTION_KEY` (one
Fernet key, or several separated by commas: the first encrypts, all decrypt), text columns are
stored as "fernet:<token>" and JSON columns as {"fernet": "<token>"}. A check value in the
`encryption` table tells at start whether the database is encrypted and with which keys:
without the right key the coach refuses to start rather than show garbage.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import JSON, Text, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

PREFIX = "fernet:"
CHECK = b"trustcoach encryption check"


class EncryptionError(RuntimeError):
    """The database is encrypted and the key is missing or wrong (or the other way round)."""


class _Keys:
    """The process's cipher; None while no key is set (plain columns)."""

    cipher: MultiFernet | None = None


KEYS = _Keys()


def use_keys(setting: str | None) -> None:
    """Set the keys of this process from the setting (None: no encryption)."""
    if not setting or not setting.strip():
        KEYS.cipher = None
        return
    try:
        keys = [Fernet(part.strip()) for part in setting.split(",") if part.strip()]
    except ValueError as error:
        raise EncryptionError(
            "TRUSTCOACH_ENCRYPTION_KEY is not a Fernet key (make one with `trustcoach db new-key`)"
        ) from error
    KEYS.cipher = MultiFernet(keys)


def new_key() -> str:
    """A fresh Fernet key, as the setting takes it."""
    return Fernet.generate_key().decode("ascii")


def _encrypt(data: bytes) -> str:
    assert KEYS.cipher is not None
    return KEYS.cipher.encrypt(data).decode("ascii")


def _decrypt(token: str) -> bytes:
    if KEYS.cipher is None:
        raise EncryptionError("the database holds encrypted text and no key is set")
    try:
        return KEYS.cipher.decrypt(token.encode("ascii"))
    except InvalidToken as error:
        raise EncryptionError("no key of TRUSTCOACH_ENCRYPTION_KEY opens this text") from error


class SecretText(TypeDecorator[str]):
    """A text column encrypted when a key is set."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """Encrypt on the way in (when a key is set)."""
        if value is None or KEYS.cipher is None or value == "":
            return value
        return PREFIX + _encrypt(value.encode("utf-8"))

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        """Decrypt on the way out; plain text (stored before encryption) reads as it is."""
        if value is None or not value.startswith(PREFIX):
            return value
        return _decrypt(value[len(PREFIX) :]).decode("utf-8")


class SecretJSON(TypeDecorator[Any]):
    """A JSON column whose value is encrypted as a whole when a key is set."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        """Encrypt on the way in (when a key is set)."""
        if value is None or KEYS.cipher is None:
            return value
        return {"fernet": _encrypt(json.dumps(value, ensure_ascii=False).encode("utf-8"))}

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        """Decrypt on the way out; plain JSON (stored before encryption) reads as it is."""
        if isinstance(value, dict) and set(value) == {"fernet"}:
            return json.loads(_decrypt(str(value["fernet"])))
        return value


def check_keys(session: Session) -> None:
    """Refuse a key that does not open the database, and a database encrypted without a key.

    The first start with a key records a check value; rotating keys keeps the old one in the
    list until `trustcoach db rotate-key` has re-encrypted everything.
    """
    from .models import EncryptionRow  # noqa: PLC0415 - the models import this module

    row = session.get(EncryptionRow, 1)
    if row is None:
        if KEYS.cipher is not None:
            session.add(EncryptionRow(id=1, check=_encrypt(CHECK)))
        return
    if KEYS.cipher is None:
        raise EncryptionError(
            "this database is encrypted: set TRUSTCOACH_ENCRYPTION_KEY to its key to start"
        )
    try:
        opened = _decrypt(row.check) == CHECK
    except EncryptionError:
        opened = False
    if not opened:
        raise EncryptionError("TRUSTCOACH_ENCRYPTION_KEY does not open this database")


def rotate(session: Session) -> int:
    """Re-encrypt every secret column with the first key (also encrypts plain values)."""
    from .models import Base, EncryptionRow  # noqa: PLC0415

    if KEYS.cipher is None:
        raise EncryptionError("set TRUSTCOACH_ENCRYPTION_KEY (new key first) to rotate")
    rewritten = 0
    for table in Base.metadata.sorted_tables:
        secret = [c for c in table.columns if isinstance(c.type, SecretText | SecretJSON)]
        keys = list(table.primary_key.columns)
        if not secret:
            continue
        for row in session.execute(select(*keys, *secret)).all():
            where = [key == row[i] for i, key in enumerate(keys)]
            values = {c.key: row[len(keys) + i] for i, c in enumerate(secret)}
            session.execute(update(table).where(*where).values(**values))
            rewritten += 1
    check = session.get(EncryptionRow, 1)
    if check is None:
        session.add(EncryptionRow(id=1, check=_encrypt(CHECK)))
    else:
        check.check = _encrypt(CHECK)
    return rewritten
