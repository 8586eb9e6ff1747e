"""A Kubernetes API on 127.0.0.1 that answers from recorded responses, for the real kubernetes client.

Routes map `METHOD path` (query included where it matters, e.g. a fieldSelector) to a status and a
JSON body, or to a list of them served in turn; every request is recorded with its body."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

RECORDINGS = Path(__file__).resolve().parent / "fixtures" / "kubernetes"
Answer = tuple[int, Any]


def recorded(name: str) -> Any:
    return json.loads((RECORDINGS / name).read_text())


def status(code: int, reason: str, message: str) -> Answer:
    """A metav1.Status, as the API server answers errors."""
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    return code, body


@dataclass
class KubeApi:
    routes: dict[str, Answer | list[Answer]] = field(default_factory=dict)
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    host: str = ""

    def answer(self, method: str, path: str, body: Any) -> Answer:
        self.requests.append((method, path, body))
        for key in (f"{method} {path}", f"{method} {path.split('?', 1)[0]}"):
            if key in self.routes:
                found = self.routes[key]
                if isinstance(found, list):
                    return found.pop(0) if len(found) > 1 else found[0]
                return found
        return status(404, "NotFound", f"no recording for {method} {path}")

    def client(self) -> Any:
        from kubernetes import client

        configuration = client.Configuration()
        configuration.host = self.host
        return client.ApiClient(configuration)


@contextmanager
def serve(api: KubeApi) -> Iterator[KubeApi]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            code, answer = api.answer(self.command, unquote(self.path), body)
            data = json.dumps(answer).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve  # noqa: N815 - the handler's method names

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's signature
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    api.host = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
