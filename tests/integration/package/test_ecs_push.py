"""`--target ecs --push` against a local AWS (moto ECR) with a stand-in `docker` client.

No Docker engine runs on these machines, so a small script plays the `docker` command: it
records each call (and checks the build context it is given). ECR's login token comes from
moto over real HTTP through boto3, as it would from AWS.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import boto3

from .conftest import shopbot_build

FAKE_DOCKER = """#!/bin/sh
log="$(dirname "$0")/calls.jsonl"
stdin=""
if [ "$1" = "login" ]; then stdin="$(cat)"; fi
if [ "$1" = "build" ]; then
  for last; do :; done
  test -f "$last/deploy/ecs/Dockerfile" && test -f "$last/shopbot/wsgi.py" || { echo "bad context" >&2; exit 1; }
fi
python3 -c 'import json, sys; print(json.dumps({"args": sys.argv[2:], "stdin": sys.argv[1]}))' "$stdin" "$@" >> "$log"
"""


def test_push_logs_in_through_boto3_and_pushes_the_commit_tag(aws: str, project: Path, build_cache: Path,
                                                              tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(FAKE_DOCKER)
    (bin_dir / "docker").chmod(0o755)
    (tmp_path / "shopbot.toml").write_text('[environments.local]\nregion = "us-east-1"\necr_repository = "shopbot"\n')
    token = boto3.client("ecr", region_name="us-east-1").get_authorization_token()["authorizationData"][0]
    password = base64.b64decode(token["authorizationToken"]).decode().split(":", 1)[1]
    registry = token["proxyEndpoint"].removeprefix("https://")

    run = shopbot_build("--target", "ecs", "--push", "--json", "--output", str(tmp_path / "dist"),
                        cwd=project, cache=build_cache,
                        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "SHOPBOT_CONFIG": str(tmp_path / "shopbot.toml")})

    assert run.exit_code == 0, run.stderr
    calls = [json.loads(line) for line in (bin_dir / "calls.jsonl").read_text().splitlines()]
    commands = [call["args"][0] for call in calls]
    assert commands == ["info", "build", "login", "tag", "push"]
    tag = run.json["image"]
    assert calls[1]["args"][:4] == ["build", "-f", "deploy/ecs/Dockerfile", "-t"] and calls[1]["args"][4] == tag
    assert calls[2]["args"] == ["login", "--username", "AWS", "--password-stdin", registry]
    assert calls[2]["stdin"] == password                      # the password goes through stdin only
    uri = f"{registry}/shopbot:{tag.split(':', 1)[1]}"
    assert calls[3]["args"] == ["tag", tag, uri] and calls[4]["args"] == ["push", uri]
    assert run.json["built"] is True and run.json["pushed"] == uri
    assert password not in run.stdout + run.stderr
