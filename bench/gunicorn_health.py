"""gunicorn GET /health requests per second: the shopbot app against a bare Flask app
under the same gunicorn settings (deploy/ecs/gunicorn.conf.py), same run, wrk as load
(goal >= 0.8x).

    .venv/bin/python bench/gunicorn_health.py [--rounds 5 --seconds 3]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench._common import alternate  # noqa: E402
from tests.support import free_port, stop, wait_for_http  # noqa: E402

BARE = '''
from flask import Flask
app = Flask(__name__)
@app.get("/health")
def health():
    return {"status": "ok"}
'''


def start(app_path: str, port: int, tmp: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PORT": str(port), "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESSLOG": "",
           "APP_ENV": "production", "PYTHONPATH": tmp, "LOG_LEVEL": "warning"}
    process = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "-c",
                                str(REPO / "deploy/ecs/gunicorn.conf.py"), app_path],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_http(f"http://127.0.0.1:{port}/health", process=process)
    return process


def wrk(port: int, seconds: int) -> float:
    output = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", f"http://127.0.0.1:{port}/health"],
                            capture_output=True, text=True, check=True).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    assert found, output
    return float(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "bare_app.py").write_text(BARE)
        shopbot_port, bare_port = free_port(), free_port()
        servers = [start("shopbot.wsgi:app", shopbot_port, tmp), start("bare_app:app", bare_port, tmp)]
        try:
            medians = alternate(args.rounds, shopbot=lambda: wrk(shopbot_port, args.seconds),
                                bare=lambda: wrk(bare_port, args.seconds))
        finally:
            for server in servers:
                stop(server)
    print(f"gunicorn /health: shopbot {medians['shopbot']:.0f} req/s, bare Flask {medians['bare']:.0f} req/s, "
          f"ratio {medians['shopbot'] / medians['bare']:.2f}x (goal >= 0.8x)")


if __name__ == "__main__":
    main()
