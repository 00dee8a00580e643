"""Fetching the catalogue's links for ``check-links``: a bounded pool of threads, a
timeout per link, redirects followed, and politeness to each host (at most
``per_host`` requests at once to one host, and a short pause between two of them).

The standard library does the HTTP (urllib follows up to 10 redirects and raises on a
loop): the checker needs no more than a status, and adds no dependency for it.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPException
from urllib.parse import urlsplit

from .links import LinkResult, LinkTarget

USER_AGENT = "DakLakServiceCatalogue-LinkCheck/1.0 (+kiểm tra liên kết mẫu đơn)".encode(
    "ascii", "ignore").decode()


class HostGate:
    """At most ``per_host`` requests at once to one host, ``delay`` seconds apart."""

    def __init__(self, per_host: int, delay: float):
        self.per_host = per_host
        self.delay = delay
        self._lock = threading.Lock()
        self._slots: dict[str, threading.Semaphore] = defaultdict(lambda: threading.Semaphore(per_host))
        self._last: dict[str, float] = {}

    def slot(self, host: str) -> threading.Semaphore:
        with self._lock:
            return self._slots[host]

    def wait_turn(self, host: str) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._last.get(host, 0.0) + self.delay)
            self._last[host] = start
        if start > now:
            time.sleep(start - now)


def fetch_status(url: str, timeout: float) -> tuple[bool, int | None, str]:
    """(works, final HTTP status, problem in Vietnamese) for one URL, redirects followed."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http/https only)
            response.read(1024)
            return True, response.status, ""
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code in (301, 302, 303, 307, 308):
            return False, exc.code, "chuyển hướng vòng lặp hoặc quá nhiều lần"
        return False, exc.code, f"máy chủ trả lời lỗi {exc.code}"
    except TimeoutError:
        return False, None, f"quá thời gian chờ ({timeout:g} giây)"
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            return False, None, f"quá thời gian chờ ({timeout:g} giây)"
        return False, None, f"không kết nối được ({exc.reason})"[:300]
    except (HTTPException, OSError, ValueError) as exc:
        return False, None, f"không đọc được ({type(exc).__name__})"


def check_links(targets: Iterable[LinkTarget], *, workers: int = 8, per_host: int = 2,
                delay: float = 0.2, timeout: float = 10.0) -> list[LinkResult]:
    """Fetch each distinct URL once (many services share a form), in a bounded pool."""
    targets = list(targets)
    gate = HostGate(per_host, delay)
    urls = sorted({t.url for t in targets})

    def one(url: str) -> tuple[str, tuple[bool, int | None, str]]:
        host = (urlsplit(url).hostname or "").lower()
        with gate.slot(host):
            gate.wait_turn(host)
            return url, fetch_status(url, timeout)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        outcome = dict(pool.map(one, urls))
    return [LinkResult(t, *outcome[t.url]) for t in targets]
