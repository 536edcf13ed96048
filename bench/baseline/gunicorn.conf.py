"""gunicorn settings for the comparison stack: the documented default shape for a sync app."""

import multiprocessing
import os

bind = os.environ.get("BASELINE_BIND", "127.0.0.1:8000")
# gunicorn's own recommendation for sync workers: (2 x cores) + 1.
workers = int(os.environ.get("BASELINE_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
backlog = 2048
timeout = 30
accesslog = None
loglevel = "warning"
