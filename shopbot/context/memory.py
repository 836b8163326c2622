"""In-memory conversation store: the development default, one process only.

Each process has its own: two gunicorn workers would each answer 404 for the other's
sessions, so the ECS target refuses more than one worker without Redis
(`shopbot.config.per_process_store_problem`). At most `max_sessions` are kept; the one
written longest ago is forgotten first.
"""

from __future__ import annotations

import threading
import time

from . import Turn


class MemoryContextStore:
    def __init__(self, max_turns: int = 40, ttl_seconds: int = 86_400, max_sessions: int = 10_000) -> None:
        self.max_turns = max_turns
        self.ttl_seconds = ttl_seconds
        self.max_sessions = max(1, max_sessions)
        self._sessions: dict[str, tuple[float, list[Turn]]] = {}
        self._lock = threading.Lock()

    def history(self, session_id: str) -> list[Turn]:
        with self._lock:
            entry = self._sessions.get(session_id)
            if entry is None:
                return []
            expires_at, turns = entry
            if expires_at < time.monotonic():
                del self._sessions[session_id]
                return []
            return list(turns)

    def append(self, session_id: str, turns: list[Turn]) -> None:
        with self._lock:
            _, existing = self._sessions.pop(session_id, (0.0, []))  # re-inserted last: newest
            kept = [*existing, *turns][-self.max_turns:]
            while len(self._sessions) >= self.max_sessions:
                del self._sessions[next(iter(self._sessions))]
            self._sessions[session_id] = (time.monotonic() + self.ttl_seconds, kept)

    def __len__(self) -> int:
        return len(self._sessions)

    def delete(self, session_id: str) -> bool:
        with self._lock:
            return self._sessions.pop(session_id, None) is not None

    def ping(self) -> None:
        return None

    def reconnect(self) -> None:
        return None
