#!/usr/bin/env python3
"""Writes a compose project of N services that uses every common feature: ports, environment,
env_file, volumes (named and bind), healthchecks, depends_on, resources, secrets, configs,
labels and networks. The output is deterministic, so benchmarks compare like with like.

usage: scripts/gen-stack.py N OUT_DIR
"""
import os
import sys


def service(i: int, n: int) -> str:
    deps = ""
    if i > 0:
        deps = f"""    depends_on:
      svc{i - 1:04}:
        condition: service_healthy
"""
    return f"""  svc{i:04}:
    image: registry.example.com/team/svc{i:04}:${{TAG:-1.{i % 7}.0}}
    command: ["serve", "--port", "{8000 + i % 100}"]
    ports:
      - "{10000 + i}:{8000 + i % 100}"
      - target: 9090
        protocol: tcp
    environment:
      SERVICE_NAME: svc{i:04}
      LOG_LEVEL: ${{LOG_LEVEL:-info}}
      PEERS: "{(i + 1) % n},{(i + 2) % n}"
    env_file:
      - common.env
    volumes:
      - data{i % 10}:/var/lib/svc
      - ./conf/svc.conf:/etc/svc.conf:ro
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:{8000 + i % 100}/health"]
      interval: 10s
      timeout: 3s
      retries: 3
      start_period: 5s
{deps}    deploy:
      replicas: {1 + i % 3}
      resources:
        limits:
          cpus: "0.5"
          memory: 256M
        reservations:
          memory: 64M
    secrets:
      - db_password
    configs:
      - source: app_config
        target: /etc/app.yaml
    labels:
      com.example.tier: "{["web", "api", "worker"][i % 3]}"
    networks:
      - backend
    restart: unless-stopped
"""


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    n, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(os.path.join(out, "conf"), exist_ok=True)
    with open(os.path.join(out, "compose.yaml"), "w") as f:
        f.write(f"name: stack{n}\nservices:\n")
        for i in range(n):
            f.write(service(i, n))
        f.write("volumes:\n")
        for v in range(10):
            f.write(f"  data{v}: {{}}\n")
        f.write("networks:\n  backend: {}\n")
        f.write("secrets:\n  db_password:\n    file: ./secrets/db_password.txt\n")
        f.write("configs:\n  app_config:\n    file: ./conf/app.yaml\n")
    os.makedirs(os.path.join(out, "secrets"), exist_ok=True)
    files = {
        "common.env": "REGION=eu-west-1\nFEATURE_FLAGS=a,b,c\n",
        "conf/svc.conf": "listen 8000\n",
        "conf/app.yaml": "mode: production\n",
        "secrets/db_password.txt": "s3cret\n",
    }
    for name, text in files.items():
        with open(os.path.join(out, name), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
