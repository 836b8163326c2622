"""gunicorn settings for the ECS container (and `shopbot serve --target ecs`).

gthread by default: a chat request waits seconds on the LLM, and threads keep the
worker free for other requests meanwhile. The worker is gthread hardened
(shopbot/gunicorn_worker.py): request heads are read in the worker's event loop with a
timeout, so slow clients cannot starve the threads, and gunicorn's own errors answer
JSON. Everything can be overridden from the environment, as a task definition would.
More than one worker needs a shared conversation store (Redis): start-up refuses
otherwise.
"""

import os
import sys

bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# 2 workers share conversations only through Redis: without it, 1 unless asked (then refused).
_SHARED_STORE = bool(os.environ.get("REDIS_URL") or os.environ.get("REDIS_HOST"))
workers = int(os.environ.get("WEB_CONCURRENCY") or (2 if _SHARED_STORE else 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "shopbot.gunicorn_worker.ShopbotWorker")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A little above API Gateway's 30 s so both targets give up on a request at the same point.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "35"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
# Longer than the ALB's 60 s idle timeout, or the ALB reuses sockets gunicorn closed (502s).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "65"))
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")  # only the ALB reaches the task
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
access_log_format = (
    '{"level":"INFO","message":"%(r)s","status":%(s)s,"duration_ms":%(M)s,'
    '"bytes":"%(B)s","correlation_id":"%({x-amzn-trace-id}i)s","service":"shopbot"}'
)
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


def on_starting(server: object) -> None:
    """Say which conversation store serves; refuse workers that would each keep their own."""
    from shopbot.config import per_process_store_problem

    problem = per_process_store_problem(os.environ, workers)
    if problem:
        sys.stderr.write(f"error: {problem} (WEB_CONCURRENCY=1)\n")
        raise SystemExit(1)
    store = "Redis, shared by every worker" if _SHARED_STORE else "in memory, this one worker only (set REDIS_URL)"
    sys.stderr.write(f"conversation store: {store}; {workers} worker(s)\n")
