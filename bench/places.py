"""Server time of the place pages and APIs, on the database the settings point at.

    PORTAL_INSTANCE=/tmp/inst .venv/bin/python -m bench.places [--runs 20]

Prints the median and p95 (milliseconds) of: ``/api/v1/places`` for every old commune name
of the mapping (292, typed without diacritics), ``/communes``, ``/communes/tan-an``, a
service page with ``?commune=Hòa Thuận`` (uncached: it says whether the centre is open now),
``/life-events/co-con-nho`` and ``/api/v1/life-events``. Load the demo first (``make run``
or ``flask --app portal load-demo``) so the figures describe the real catalogue.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time

from catalogue.places import read_place_data
from catalogue.text import fold
from portal import create_app


def timed(client, path: str, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    logging.disable(logging.INFO)
    client = create_app().test_client()
    names = [fold(row["old_commune"]) for row in read_place_data().rows]
    times = []
    for name in names:
        started = time.perf_counter()
        client.get("/api/v1/places", query_string={"q": name})
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(f"{'/api/v1/places (292 old names)':45} median {statistics.median(times):7.1f} ms"
          f"   p95 {times[int(len(times) * 0.95) - 1]:7.1f} ms")
    for path in ("/communes", "/communes/tan-an", "/services/1.001193?commune=H%C3%B2a+Thu%E1%BA%ADn",
                 "/life-events/co-con-nho", "/api/v1/life-events", "/api/v1/service-points"):
        median, p95 = timed(client, path, args.runs)
        print(f"{path:45} median {median:7.1f} ms   p95 {p95:7.1f} ms")


if __name__ == "__main__":
    main()
