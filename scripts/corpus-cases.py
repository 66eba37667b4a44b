#!/usr/bin/env python3
"""Writes DIR/cases.tsv for a corpus of one compose project per folder (DIR/<case>/compose.yaml),
so that the corpus tests can run over it with STACKC_CORPUS=DIR (see docs/testing.md). A folder
may instead list its compose files in `-f` order in a file `FILES` (one path per line), and the
profiles to activate in `PROFILES` (one per line), for projects of several files. Each case
is judged by the reference loader, `docker-compose config --format json` (Docker Compose
v2.40.3), in the clean environment the tests give both loaders: `ok` when it prints the project,
`error` when it rejects it. The reasons for rejections go to stderr, so that missing files that
are easy to supply (an `env_file` the repository does not ship) can be.

usage: scripts/corpus-cases.py DIR
"""
import os
import subprocess
import sys


def listed(case_dir: str, name: str) -> list[str]:
    path = os.path.join(case_dir, name)
    if not os.path.isfile(path):
        return []
    with open(path, encoding="utf-8") as lines:
        return [line.strip() for line in lines if line.strip()]


def judge(case_dir: str, files: list[str], profiles: list[str]) -> tuple[str, str]:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": "/tmp", "PWD": case_dir}
    args = [arg for f in files for arg in ("-f", f)]
    args += [arg for p in profiles for arg in ("--profile", p)]
    out = subprocess.run(
        ["docker-compose", *args, "config", "--format", "json"],
        cwd=case_dir, env=env, capture_output=True, text=True, check=False,
    )
    if out.stdout.strip():
        return "ok", ""
    lines = out.stderr.strip().splitlines()
    return "error", lines[-1] if lines else "no output"


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = os.path.abspath(sys.argv[1])
    rows = ["# id\tfolder\tfiles\tenv_file\tprofiles\treference"]
    for name in sorted(os.listdir(root)):
        case_dir = os.path.join(root, name)
        files = listed(case_dir, "FILES") or ["compose.yaml"]
        if not os.path.isfile(os.path.join(case_dir, files[0])):
            continue
        profiles = listed(case_dir, "PROFILES")
        verdict, reason = judge(case_dir, files, profiles)
        if reason:
            print(f"{name}: {reason}", file=sys.stderr)
        shown_profiles = ",".join(profiles) or "-"
        rows.append(f"{name}\t{name}\t{' '.join(files)}\t-\t{shown_profiles}\t{verdict}")
    with open(os.path.join(root, "cases.tsv"), "w", encoding="utf-8") as tsv:
        tsv.write("\n".join(rows) + "\n")
    print(f"{len(rows) - 1} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
