"""Page weight and server time of the public pages, on the database the settings point at.

    PORTAL_INSTANCE=/tmp/inst .venv/bin/python bench/page_weight.py [--runs 50] [--code 1.001193]

Prints, for home, the catalogue list and one service page: HTML bytes (raw and gzip), the
bytes of every asset the page loads (all served by the portal itself), the total, and the
median and p95 of the time the app takes to answer. Load the demo first (`make run` or
`flask --app portal load-demo`) so the figures describe the real catalogue.
"""

from __future__ import annotations

import argparse
import gzip
import re
import statistics
import time

from portal import create_app

ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="([^"]+)"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--code", help="service code (default: the first level 3 service listed)")
    args = parser.parse_args()

    app = create_app()
    client = app.test_client()
    code = args.code
    if not code:
        listing = client.get("/services?level=3").get_data(as_text=True)
        found = re.search(r'href="/services/([^"?]+)"', listing)
        if not found:
            raise SystemExit("no published level 3 service: load the demo catalogue first")
        code = found.group(1)
    pages = {"home": "/", "list": "/services", "list q": "/services?q=dang+ky",
             "service": f"/services/{code}"}

    print(f"{'page':<9} {'html':>8} {'gzip':>7} {'assets':>8} {'total':>8} {'total gz':>8} "
          f"{'median':>8} {'p95':>8}")
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        html = response.data
        assets = [a for a in ASSET.findall(html.decode()) if not a.startswith("http")]
        asset_bytes = asset_gz = 0
        for asset in dict.fromkeys(assets):
            with client.get(asset) as r:
                asset_bytes += len(r.data)
                asset_gz += len(gzip.compress(r.data))
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            client.get(url).close()
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        gz = len(gzip.compress(html))
        print(f"{name:<9} {len(html):>8,} {gz:>7,} {asset_bytes:>8,} {len(html) + asset_bytes:>8,} "
              f"{gz + asset_gz:>8,} {statistics.median(times):>6.1f}ms {p95:>6.1f}ms")
    print(f"service page measured: /services/{code}; bytes, times of the Flask app without network")


if __name__ == "__main__":
    main()
