"""The metrics store: every evaluation of a named model, its metrics and the actions taken, through SQLAlchemy.

A SQLite file by default (WAL mode, a busy timeout, retries when another writer holds the
lock), any SQLAlchemy URL by one setting. Each record is one transaction: it is stored whole
or not at all. The schema is migrated with Alembic when a store opens; a database from a newer
alignlab, a file that is not a database, or a lock that outlasts the retries is one clear
error, and nothing stored is touched.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from alignlab.errors import InputError

MIGRATIONS = Path(__file__).parent / "migrations"
HEAD = "0001"
RETRIES = 8


class Base(DeclarativeBase):
    pass


class Model(Base):
    """A monitored model: its current checkpoint, and what it was last trained on."""

    __tablename__ = "models"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    checkpoint: Mapped[str] = mapped_column(String(1000))
    trained_constitution: Mapped[str | None] = mapped_column(String(64))
    trained_cells: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Evaluation(Base):
    __tablename__ = "evaluations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model: Mapped[str] = mapped_column(String(200), index=True)
    checkpoint: Mapped[str] = mapped_column(String(1000))
    weights_sha: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    config_sha: Mapped[str | None] = mapped_column(String(64))
    constitution_sha: Mapped[str | None] = mapped_column(String(64))
    data_sha: Mapped[str | None] = mapped_column(String(64))
    results_path: Mapped[str | None] = mapped_column(String(1000))
    cells: Mapped[list] = mapped_column(JSON, default=list)
    samples_total: Mapped[int] = mapped_column(Integer, default=0)
    metrics: Mapped[list[Metric]] = relationship(back_populates="evaluation", order_by="Metric.id")
    actions: Mapped[list[Action]] = relationship(back_populates="evaluation", order_by="Action.id")


class Metric(Base):
    __tablename__ = "metrics"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    rate: Mapped[float | None] = mapped_column(Float)
    lo: Mapped[float | None] = mapped_column(Float)
    hi: Mapped[float | None] = mapped_column(Float)
    k: Mapped[int] = mapped_column(Integer)
    n: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(String(500))
    evaluation: Mapped[Evaluation] = relationship(back_populates="metrics")


class Action(Base):
    __tablename__ = "actions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), index=True)
    trigger: Mapped[str] = mapped_column(String(500))
    action: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    evaluation: Mapped[Evaluation] = relationship(back_populates="actions")


def now() -> datetime:
    return datetime.now(timezone.utc)


def sqlite_path(url: str) -> Path | None:
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def where(url: str, store: Store | None) -> str:
    """Where the store at ``url`` is, for messages: its file, or its URL without the password."""
    return store.where() if store is not None else str(sqlite_path(url))


class Store:
    """Open (creating or migrating) the store at ``url``; a SQLite writer waits up to ``timeout`` seconds for a lock
    on each of its tries."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url
        path = sqlite_path(url)
        if url.startswith("sqlite") and path is None:
            raise InputError(None, "monitor.db", f"{url!r}: a SQLite store is a file, sqlite:///path/to/monitor.db")
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            shown = make_url(url).render_as_string(hide_password=True)
            self.engine = create_engine(url, connect_args={"timeout": timeout} if path else {})
        except Exception as exc:  # noqa: BLE001 - a bad URL or a missing driver: one line naming the setting
            shown = url.split("@")[-1] if "@" in url else url
            raise InputError(None, "monitor.db", f"cannot open {shown!r}: {str(exc).splitlines()[0]}") from None
        self.shown = shown
        if path is not None:
            @event.listens_for(self.engine, "connect")
            def _pragmas(conn, _record) -> None:
                cur = conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
                cur.execute("PRAGMA foreign_keys=ON")
                cur.close()
        self._retry(self._migrate, "open")

    @classmethod
    def existing(cls, url: str) -> Store | None:
        """The store at ``url``, or None where it is a SQLite file not made yet: a lookup does not create it."""
        path = sqlite_path(url)
        return None if path is not None and not path.is_file() else cls(url)

    def where(self) -> str:
        return str(sqlite_path(self.url) or self.shown)

    def _migrate(self) -> None:
        from alembic import command
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext

        with self.engine.begin() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
        known = {p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("*.py")}
        if current is not None and current not in known:
            raise InputError(self.where(), "alembic_version", f"schema revision {current!r} is not one this alignlab "
                                                              f"knows (newest: {HEAD}); upgrade alignlab to read it")
        if current == HEAD:
            return
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def _retry(self, fn, what: str):
        """Run ``fn`` (one transaction), again while another writer holds the lock; one clear line otherwise."""
        for attempt in range(RETRIES):
            try:
                return fn()
            except OperationalError as exc:
                text = str(exc.orig)
                if "locked" in text or "busy" in text or "already exists" in text:
                    if attempt < RETRIES - 1:
                        time.sleep(0.05 * 2 ** attempt)
                        continue
                    raise InputError(self.where(), None, f"database is locked by another writer ({RETRIES} tries); "
                                                         f"nothing was written ({what})") from None
                raise InputError(self.where(), None, f"cannot {what}: {text.splitlines()[0]}") from None
            except (IntegrityError, ProgrammingError) as exc:
                if what == "open" and attempt < RETRIES - 1:  # another process created the schema at the same moment
                    time.sleep(0.05 * 2 ** attempt)
                    continue
                raise InputError(self.where(), None, f"cannot {what}: {str(exc.orig).splitlines()[0]}; nothing was "
                                                     "written") from None
            except DatabaseError as exc:
                raise InputError(self.where(), None, f"not a readable database ({str(exc.orig).splitlines()[0]}); "
                                                     "nothing was changed") from None

    def record(self, model: str, checkpoint: str, metrics: list[dict], *, weights_sha: str | None = None,
               config_sha: str | None = None, constitution_sha: str | None = None, data_sha: str | None = None,
               results_path: str | None = None, cells: list[str] = (), samples_total: int = 0,
               triggered: list[dict] = ()) -> int:
        """Store one evaluation, its metrics and the triggers it fired ({trigger, action}) in one transaction; its id."""
        def write() -> int:
            with Session(self.engine) as s, s.begin():
                ev = Evaluation(model=model, checkpoint=checkpoint, weights_sha=weights_sha, created_at=now(),
                                config_sha=config_sha, constitution_sha=constitution_sha, data_sha=data_sha,
                                results_path=results_path, cells=sorted(cells), samples_total=samples_total)
                ev.metrics = [Metric(**m) for m in metrics]
                ev.actions = [Action(trigger=t["trigger"], action=t["action"], status="triggered", detail={},
                                     created_at=now()) for t in triggered]
                s.add(ev)
                s.flush()
                return ev.id

        return self._retry(write, "record the evaluation")

    def record_action(self, evaluation_id: int, trigger: str, action: str, status: str, detail: dict) -> None:
        def write() -> None:
            with Session(self.engine) as s, s.begin():
                s.add(Action(evaluation_id=evaluation_id, trigger=trigger, action=action, status=status,
                             detail=json.loads(json.dumps(detail)), created_at=now()))

        self._retry(write, "record the action")

    def set_model(self, name: str, checkpoint: str, trained_constitution: str | None = None,
                  trained_cells: list[str] | None = None) -> None:
        """Register ``name`` at ``checkpoint``; after a training, what it was trained on."""
        def write() -> None:
            with Session(self.engine) as s, s.begin():
                m = s.get(Model, name)
                if m is None:
                    m = Model(name=name, checkpoint=checkpoint, trained_cells=[], updated_at=now())
                    s.add(m)
                m.checkpoint, m.updated_at = checkpoint, now()
                if trained_constitution is not None:
                    m.trained_constitution = trained_constitution
                if trained_cells is not None:
                    m.trained_cells = sorted(trained_cells)

        self._retry(write, "register the model")

    def model(self, name: str) -> dict | None:
        def read() -> dict | None:
            with Session(self.engine) as s:
                m = s.get(Model, name)
                return None if m is None else {"name": m.name, "checkpoint": m.checkpoint,
                                               "trained_constitution": m.trained_constitution,
                                               "trained_cells": list(m.trained_cells or [])}

        return self._retry(read, "read the model")

    def models(self) -> list[str]:
        def read() -> list[str]:
            with Session(self.engine) as s:
                return list(s.scalars(select(Model.name).order_by(Model.name)))

        return self._retry(read, "list the models")

    def history(self, model: str) -> list[dict]:
        """Every evaluation of ``model``, oldest first, with its metrics and actions."""
        def read() -> list[dict]:
            with Session(self.engine) as s:
                evs = s.scalars(select(Evaluation).where(Evaluation.model == model).order_by(Evaluation.id)).all()
                return [{"id": e.id, "created_at": e.created_at.isoformat(), "checkpoint": e.checkpoint,
                         "weights_sha": e.weights_sha, "constitution_sha": e.constitution_sha, "cells": e.cells,
                         "metrics": {m.name: {"rate": m.rate, "ci95": [m.lo, m.hi], "k": m.k, "n": m.n,
                                              "status": m.status, "message": m.message} for m in e.metrics},
                         "actions": [{"trigger": a.trigger, "action": a.action, "status": a.status, "detail": a.detail}
                                     for a in e.actions]} for e in evs]

        return self._retry(read, "read the history")

    def count(self, model: str | None = None) -> int:
        def read() -> int:
            with Session(self.engine) as s:
                q = select(func.count(Evaluation.id))
                return s.scalar(q.where(Evaluation.model == model) if model else q)

        return self._retry(read, "count evaluations")
