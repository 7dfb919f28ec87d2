#!/usr/bin/python3
"""Proves that check-manifest.py can fail: feeds it broken copies of the real manifest.

  check-manifest-selftest.py FLATPAK_BUILDER MANIFEST --id APP_ID

The untouched manifest must pass, and every mutation below (each a mistake someone could really
make while editing the manifest) must be rejected. Prints TAP.
"""

import argparse
import copy
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHECKER = Path(__file__).with_name("check-manifest.py")


def module(m, name):
    return next(mod for mod in m["modules"] if isinstance(mod, dict) and mod.get("name") == name)


def drop_sha256(m):
    del module(m, "libstemmer")["sources"][0]["sha256"]


def short_sha256(m):
    source = module(m, "sofia-sip")["sources"][0]
    source["sha256"] = source["sha256"][:63]


def misspelt_property(m):
    mod = module(m, "sofia-sip")
    mod["buildsytem"] = mod.pop("buildsystem")


def unknown_top_level(m):
    # Only flatpak-builder's warning can catch this one: the real key is still there.
    m["runtime-versoin"] = m["runtime-version"]


def no_network(m):
    m["finish-args"].remove("--share=network")


def whole_home(m):
    m["finish-args"].append("--filesystem=home")


def no_libstemmer(m):
    m["modules"] = [mod for mod in m["modules"]
                    if not (isinstance(mod, dict) and mod.get("name") == "libstemmer")]


def http_download(m):
    source = module(m, "libstemmer")["sources"][0]
    source["url"] = source["url"].replace("https://", "http://")


def nightly_runtime(m):
    m["runtime-version"] = "master"


def wrong_id(m):
    m["id"] = m["id"] + ".Typo"


def app_first(m):
    m["modules"].insert(0, m["modules"].pop())


MUTATIONS = [drop_sha256, short_sha256, misspelt_property, unknown_top_level, no_network,
             whole_home, no_libstemmer, http_download, nightly_runtime, wrong_id, app_first]


def check(builder, path, app_id):
    run = subprocess.run([sys.executable, str(CHECKER), builder, str(path), "--id", app_id],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    return run.returncode, run.stdout.decode(errors="replace")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("builder")
    ap.add_argument("manifest")
    ap.add_argument("--id", required=True)
    args = ap.parse_args()

    text = Path(args.manifest).read_text()
    original = json.loads(text)
    failures = 0
    n = 0

    def report(ok, desc, output):
        nonlocal failures, n
        n += 1
        print(f"{'ok' if ok else 'not ok'} {n} - {desc}")
        if not ok:
            failures += 1
            for line in output.splitlines():
                print(f"# {line}")

    with tempfile.TemporaryDirectory(prefix="manifest-selftest-") as tmp:
        rc, out = check(args.builder, args.manifest, args.id)
        report(rc == 0, "the real manifest passes", out)

        truncated = Path(tmp) / "truncated.json"
        truncated.write_text(text[: len(text) // 2])
        rc, out = check(args.builder, truncated, args.id)
        report(rc != 0, "rejects broken JSON", out)

        for mutate in MUTATIONS:
            broken = copy.deepcopy(original)
            mutate(broken)
            path = Path(tmp) / f"{mutate.__name__}.json"
            path.write_text(json.dumps(broken, indent=2))
            rc, out = check(args.builder, path, args.id)
            report(rc != 0, f"rejects {mutate.__name__.replace('_', ' ')}", out)

    print(f"1..{n}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
