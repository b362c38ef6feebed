"""`--progress rawjson`: BuildKit's solve-status stream, one JSON object per line on
stderr, as buildx prints it (`vertexes`, `statuses`, `logs`; log data base64 as Go
encodes []byte). A step's `digest` identifies the vertex within this build (a hash of
its number and name); it is not the digest of a BuildKit LLB operation."""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

from dfc.runtime import events


def rfc3339(when: datetime) -> str:
    """Go's time.RFC3339Nano in UTC (`2024-01-02T03:04:05.123456Z`)."""
    text = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f").rstrip("0").rstrip(".")
    return text + "Z"


class RawJsonReporter:
    def __init__(self, stream: TextIO = sys.stderr,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.stream = stream
        self.now = now
        self.lock = threading.Lock()
        self.vertexes: dict[int, dict[str, object]] = {}
        self.notes = 0

    def _vertex(self, step: int, name: str) -> dict[str, object]:
        digest = hashlib.sha256(f"dfc-step\0{step}\0{name}".encode()).hexdigest()
        return {"digest": f"sha256:{digest}", "name": name}

    def __call__(self, event: events.AnyEvent) -> None:
        when = rfc3339(self.now())
        status: dict[str, object]
        with self.lock:
            if isinstance(event, events.Note):
                self.notes += 1
                vertex = self._vertex(-self.notes, event.message)
                status = {"vertexes": [{**vertex, "started": when, "completed": when}]}
            elif isinstance(event, events.Output):
                vertex = self.vertexes.get(event.step) or self._vertex(event.step, "")
                status = {"logs": [{"vertex": vertex["digest"], "stream": 1,
                                    "data": base64.b64encode(event.data).decode(),
                                    "timestamp": when}]}
            else:
                if isinstance(event, events.Started):
                    vertex = self.vertexes[event.step] = {
                        **self._vertex(event.step, event.name), "started": when}
                else:
                    vertex = self.vertexes.setdefault(
                        event.step, {**self._vertex(event.step, f"step {event.step}"),
                                     "started": when})
                if isinstance(event, events.Cached):
                    vertex["cached"] = True
                if isinstance(event, events.Done | events.Cached | events.Failed):
                    vertex["completed"] = when
                if isinstance(event, events.Failed):
                    vertex["error"] = event.message
                status = {"vertexes": [dict(vertex)]}
            self.stream.write(json.dumps(status, separators=(",", ":")) + "\n")
            self.stream.flush()
