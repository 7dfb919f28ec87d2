#!/usr/bin/python3
"""Checks a Zveno Flatpak manifest without building it (no GNOME runtime can be had offline here).

  check-manifest.py FLATPAK_BUILDER MANIFEST --id APP_ID

1. `flatpak-builder --show-manifest` must accept it and print nothing on stderr: flatpak-builder only
   warns about a misspelt property ("Unknown property buildsytem for type BuilderModule") and then
   ignores it, so any warning is treated as an error.
2. What flatpak-builder read must be what we ship: the app id, the GNOME runtime on a numbered
   (stable) branch, the `zveno` command, the permissions the app needs and none of the broad ones,
   the modules the runtime lacks (sofia-sip, libstemmer) before the app itself, and every download
   pinned (https and sha256 for archives and files, a full commit for git).

Exit status 0 when all checks pass; otherwise each problem is printed on stderr and the status is 1.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

REQUIRED_FINISH_ARGS = [
    "--share=network",                            # the UC API and SIP
    "--share=ipc",
    "--socket=wayland",
    "--socket=fallback-x11",
    "--socket=pulseaudio",                        # call audio, ringing
    "--talk-name=org.freedesktop.Notifications",  # incoming messages and calls
    "--talk-name=org.freedesktop.secrets",        # tokens and SIP password in the keyring
    "--filesystem=host-etc:ro",                   # company profiles in the host's /etc/zveno
]
# Broad grants a messenger has no use for; a reviewer would (rightly) reject them.
FORBIDDEN_FINISH_ARGS = re.compile(
    r"^--(filesystem=(host|host-os|home|/)(:.*)?|device=all|socket=system-bus|socket=session-bus"
    r"|talk-name=org\.freedesktop\.Flatpak)$")
REQUIRED_MODULES = ["sofia-sip", "libstemmer"]
SHA256 = re.compile(r"^[0-9a-f]{64}$")
COMMIT = re.compile(r"^[0-9a-f]{40}$")


def walk_modules(modules, problems, path="modules"):
    """Yields every module (nested ones too) that flatpak-builder parsed into an object."""
    for i, module in enumerate(modules or []):
        if not isinstance(module, dict):
            problems.append(f"{path}[{i}] was not expanded into a module object: {module!r}")
            continue
        yield module
        yield from walk_modules(module.get("modules"), problems, f"{path}[{i}].modules")


def check_source(module, source, problems):
    where = f"module {module.get('name')!r}: {source.get('type')} source"
    kind = source.get("type")
    url = source.get("url")
    if kind in ("archive", "file") and url:
        if not url.startswith("https://"):
            problems.append(f"{where} {url} is not fetched over https")
        if not SHA256.match(source.get("sha256", "")):
            problems.append(f"{where} {url} is not pinned by a sha256")
    elif kind == "git":
        if not COMMIT.match(source.get("commit", "")):
            problems.append(f"{where} {url} is not pinned to a full commit id")
    elif kind == "dir":
        # Only the app itself may come from the local tree.
        if module.get("name") != "zveno":
            problems.append(f"{where} {source.get('path')} builds a dependency from a local dir")
    elif kind in ("archive", "file") and not source.get("path"):
        problems.append(f"{where} has neither url nor path")


def check_manifest(m, app_id):
    problems = []
    if m.get("id", m.get("app-id")) != app_id:
        problems.append(f"id is {m.get('id', m.get('app-id'))!r}, expected {app_id!r}")
    if m.get("runtime") != "org.gnome.Platform" or m.get("sdk") != "org.gnome.Sdk":
        problems.append("runtime/sdk must be org.gnome.Platform / org.gnome.Sdk")
    if not re.fullmatch(r"\d+", str(m.get("runtime-version", ""))):
        problems.append(f"runtime-version {m.get('runtime-version')!r} is not a stable GNOME "
                        "branch (a number such as 50)")
    if m.get("command") != "zveno":
        problems.append(f"command is {m.get('command')!r}, expected 'zveno'")

    finish = m.get("finish-args") or []
    for arg in REQUIRED_FINISH_ARGS:
        if arg not in finish:
            problems.append(f"finish-args lack {arg}")
    for arg in finish:
        if FORBIDDEN_FINISH_ARGS.match(arg):
            problems.append(f"finish-args grant {arg}, broader than Zveno needs")
    if len(set(finish)) != len(finish):
        problems.append("finish-args contain duplicates")

    modules = list(walk_modules(m.get("modules"), problems))
    names = [mod.get("name") for mod in modules]
    for name in REQUIRED_MODULES:
        if name not in names:
            problems.append(f"module {name!r} is missing (the GNOME runtime lacks it)")
    if not names or names[-1] != "zveno":
        problems.append("the last module must be 'zveno' (built after its dependencies)")
    elif modules[-1].get("buildsystem") != "meson":
        problems.append("module 'zveno' must use buildsystem meson")
    for module in modules:
        sources = module.get("sources") or []
        if not sources:
            problems.append(f"module {module.get('name')!r} has no sources")
        for source in sources:
            if isinstance(source, dict):
                check_source(module, source, problems)
    return problems


def main():
    ap = argparse.ArgumentParser(description="Check a Zveno Flatpak manifest.")
    ap.add_argument("builder", help="path to flatpak-builder")
    ap.add_argument("manifest")
    ap.add_argument("--id", required=True, help="the app id the manifest must declare")
    args = ap.parse_args()

    # Our test environment makes GLib warnings fatal and enables deprecation diagnostics for Zveno's
    # own code; flatpak-builder is not ours (it trips over its own deprecated "cmake" property).
    env = {k: v for k, v in os.environ.items() if k not in ("G_DEBUG", "G_ENABLE_DIAGNOSTIC")}
    manifest = os.path.abspath(args.manifest)
    # flatpak-builder creates its state directory (.flatpak-builder/) in the working directory:
    # keep it out of the source and build trees.
    with tempfile.TemporaryDirectory(prefix="check-manifest-") as scratch:
        try:
            run = subprocess.run([args.builder, "--show-manifest", manifest], env=env, cwd=scratch,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as e:
            print(f"{args.manifest}: cannot run flatpak-builder: {e}", file=sys.stderr)
            return 1
    stderr = run.stderr.decode(errors="replace").strip()
    if run.returncode != 0:
        print(f"{args.manifest}: flatpak-builder rejected it (exit {run.returncode}):\n{stderr}",
              file=sys.stderr)
        return 1
    if stderr:
        print(f"{args.manifest}: flatpak-builder warned:\n{stderr}", file=sys.stderr)
        return 1
    try:
        parsed = json.loads(run.stdout.decode())
    except ValueError as e:
        print(f"{args.manifest}: flatpak-builder printed no JSON manifest: {e}", file=sys.stderr)
        return 1

    problems = check_manifest(parsed, args.id)
    for problem in problems:
        print(f"{args.manifest}: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"ok: {args.manifest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
