#!/usr/bin/python3
"""zveno-cli's account lifecycle against the real zveno-server on loopback.

Sign in (discovery, tokens in the Secret Service, never in files), refresh of an expired access
token, a wrong password, deactivation by the administrator (the device wipes itself: no cache file
and no secret is left, and the test looks), and sign-out. Runs inside tests/with-keyring.sh.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BUILD = os.environ["ZVENO_BUILD_ROOT"]
SERVER = os.path.join(BUILD, "src", "server", "zveno-server")
CLI = os.path.join(BUILD, "src", "cli", "zveno-cli")
checks = 0


def check(condition, what):
    global checks
    checks += 1
    if not condition:
        print(f"not ok {checks} - {what}")
        sys.exit(1)
    print(f"ok {checks} - {what}")


def run(*args, stdin=None, data_dir=None, env=None):
    argv = [CLI] + (["--data-dir", data_dir] if data_dir else []) + list(args)
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, **(env or {})))


def secrets_of(account):
    """How many Secret Service items of ours the account has, asked of the daemon itself."""
    out = subprocess.run(["secret-tool", "search", "--all", "account", account],
                         capture_output=True, text=True, timeout=30)
    return out.stdout.count("label = ") + out.stderr.count("label = ")


def admin(db, *args, stdin=None):
    return subprocess.run([SERVER, "admin", "--db", db] + list(args), input=stdin,
                          capture_output=True, text=True, timeout=60)


def start_server(db, *extra):
    proc = subprocess.Popen([SERVER, "--db", db, "--listen", "127.0.0.1:0"] + list(extra),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 20
    while time.time() < deadline:
        line = proc.stdout.readline()
        match = re.match(r"listening on (\S+)", line)
        if match:
            return proc, match.group(1)
        if proc.poll() is not None:
            break
    raise SystemExit(f"zveno-server did not start: {line!r}")


def all_files(root):
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        found += [os.path.join(dirpath, f) for f in filenames]
    return found


def main():
    tmp = tempfile.mkdtemp(prefix="zveno-cli-")
    db = os.path.join(tmp, "server.db")
    data = os.path.join(tmp, "device")
    check(admin(db, "user", "add", "anna", "--name", "Анна Петрова", "--password-stdin",
                stdin="correct horse\n").returncode == 0, "admin adds a user")
    server, url = start_server(db, "--access-ttl", "2")
    try:
        account = f"{url}/api/v1 anna"

        bad = run("login", "--server", url, "--user", "anna", "--password-stdin", stdin="wrong\n", data_dir=data)
        check(bad.returncode != 0, "a wrong password fails")
        check(bad.stderr.count("\n") == 1 and "zveno-cli:" in bad.stderr, "with one line on stderr")
        check(not os.path.exists(os.path.join(data, "zveno.db")), "and leaves no cache behind")

        ok = run("login", "--server", url, "--user", "anna", "--password-stdin", stdin="correct horse\n", data_dir=data)
        check(ok.returncode == 0, f"login succeeds: {ok.stderr.strip()}")
        status = json.loads(run("status", "--json", data_dir=data).stdout)
        check(status["signed_in"] and status["login"] == "anna" and status["user_id"] > 0, "status shows the account")
        check(status["server"] == f"{url}/api/v1", "the API was discovered from the server address")
        check(secrets_of(account) == 3, "refresh token, access token and SIP password are in the secret store")

        # No secret in any file the client wrote.
        for path in all_files(data):
            with open(path, "rb") as f:
                blob = f.read()
            check(b"zvr_" not in blob and b"zva_" not in blob and b"correct horse" not in blob,
                  f"no token or password in {os.path.basename(path)}")

        who = run("whoami", data_dir=data)
        check(who.returncode == 0 and who.stdout.startswith("anna (Анна Петрова)"), f"whoami: {who.stdout.strip()} {who.stderr.strip()}")

        time.sleep(3)  # the access token (2 s) has expired: the next call refreshes first
        who = run("whoami", data_dir=data)
        check(who.returncode == 0, f"a call after expiry refreshes and succeeds: {who.stderr.strip()}")
        who = run("whoami", data_dir=data)
        check(who.returncode == 0, "the rotated refresh token was saved and works again")
        check(secrets_of(account) == 3, "rotation replaced the tokens, never duplicated them")

        check(run("doctor", data_dir=data).stdout.strip() == "ok", "doctor says ok")

        check(admin(db, "user", "disable", "anna").returncode == 0, "the administrator disables the account")
        gone = run("whoami", data_dir=data)
        check(gone.returncode != 0 and "disabled" in gone.stderr.lower(), f"the next request is refused: {gone.stderr.strip()}")
        check(all_files(data) == [], f"the device wiped its cache and files: {all_files(data)}")
        check(secrets_of(account) == 0, "and every secret of the account")

        check(admin(db, "user", "enable", "anna").returncode == 0, "the administrator enables the account again")
        ok = run("login", "--server", url, "--user", "anna", "--password-stdin", stdin="correct horse\n", data_dir=data)
        check(ok.returncode == 0, "signing in again works")
        # The administrator revokes this device (not the account): the device wipes itself.
        devices = admin(db, "device", "list", "anna").stdout.splitlines()
        live = [line.split("\t")[0] for line in devices if "revoked" not in line]
        check(len(live) >= 1, f"the device is listed: {devices}")
        for device_id in live:
            check(admin(db, "device", "revoke", device_id).returncode == 0, f"device {device_id} revoked")
        gone = run("whoami", data_dir=data)
        check(gone.returncode != 0 and ("revoked" in gone.stderr.lower() or "signed out" in gone.stderr.lower()), f"a revoked device is refused: {gone.stderr.strip()}")
        check(all_files(data) == [] and secrets_of(account) == 0, "and wiped: no file, no secret")

        # An IT profile presets and locks the server; a bad line is reported with file and line.
        profiles = os.path.join(tmp, "profile.d")
        os.makedirs(profiles)
        with open(os.path.join(profiles, "10-company.ini"), "w") as f:
            f.write(f"[account]\nserver = {url}\nlogin = anna\nlocked = server\nthis line is broken\n")
        env = {"ZVENO_PROFILE_DIR": profiles}
        other = run("login", "--server", "https://elsewhere.example.com", "--password-stdin",
                    stdin="correct horse\n", data_dir=data, env=env)
        check(other.returncode != 0 and "10-company.ini" in other.stderr, f"a locked server cannot be changed: {other.stderr.strip()}")
        check(not os.path.exists(os.path.join(data, "zveno.db")), "and nothing was created")
        ok = run("login", "--password-stdin", stdin="correct horse\n", data_dir=data, env=env)
        check(ok.returncode == 0, f"login with the server and login from the profile: {ok.stderr.strip()}")
        check("10-company.ini:5:" in ok.stderr, f"the malformed profile line is reported: {ok.stderr.strip()}")

        out = run("logout", data_dir=data)
        check(out.returncode == 0, "logout")
        check(all_files(data) == [] and secrets_of(account) == 0, "logout leaves no file and no secret")
        check(run("whoami", data_dir=data).returncode != 0, "after logout nothing is signed in")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"1..{checks}")


if __name__ == "__main__":
    main()
