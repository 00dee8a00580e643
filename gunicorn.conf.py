"""gunicorn settings for production: ``gunicorn 'portal:create_app()' -c gunicorn.conf.py``.

Everything here can be overridden from the environment (WEB_CONCURRENCY, PORT, BIND,
GUNICORN_TIMEOUT) or the command line, so one file serves one machine or many.
"""

from __future__ import annotations

import multiprocessing
import os

# Sync workers: each request holds a worker; a page is a few database queries and a
# template, CPU-bound, so one process per core keeps every core busy without thrashing.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count())
worker_class = "sync"

# 127.0.0.1 by default: a reverse proxy (nginx, a load balancer) faces the Internet.
bind = os.environ.get("BIND") or f"127.0.0.1:{os.environ.get('PORT', '5000')}"

# A request that takes longer than this is stuck: the worker is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM/SIGHUP workers finish what they are serving before exiting (deploys, restarts).
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Workers signal they are alive through a file; on a RAM disk a slow disk cannot make the
# master think they hang.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Recycle workers now and then so a slow leak cannot grow for ever; the jitter keeps
# them from restarting all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10

# Each worker opens its own database connections after the fork: no shared sockets.
preload_app = False

# One line per request comes from the app itself (portal/request_log.py: method, path,
# status, duration in ms); gunicorn's own access log would say the same thing twice.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
capture_output = True

# Behind a proxy on the same machine, trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "daklak-dichvucong"

# gunicorn >= 27 opens a control socket at one fixed path per user: two portals (or the
# benchmark's reference app) on one machine would take it from each other. Off unless asked.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True
