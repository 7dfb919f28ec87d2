#!/usr/bin/python3
"""zveno-cli's account lifecycle against the real zveno-server on loopback.

Sign in (discovery, tokens in the Secret Service, never in files), refresh of an expired access
token, a wrong password, deactivation by the administrator and a revoked device (the device wipes
itself: no cache file and no secret is left, and the test looks), IT profiles that preset and lock
the server, and sign-out. Runs inside tests/with-keyring.sh.
"""
import json
import os
import shutil
import subprocess
import tempfile
import time

from zvtest import Server, admin, all_files, check, cli, done


def secrets_of(account):
    """How many Secret Service items of ours the account has, asked of the daemon itself."""
    out = subprocess.run(["secret-tool", "search", "--all", "account", account],
                         capture_output=True, text=True, timeout=30)
    return out.stdout.count("label = ") + out.stderr.count("label = ")


def main():
    tmp = tempfile.mkdtemp(prefix="zveno-cli-")
    db = os.path.join(tmp, "server.db")
    data = os.path.join(tmp, "device")
    check(admin(db, "user", "add", "anna", "--name", "Анна Петрова", "--password-stdin",
                stdin="correct horse\n").returncode == 0, "admin adds a user")
    server = Server(db, "--access-ttl", "2")
    url = server.start()
    try:
        account = f"{url}/api/v1 anna"

        bad = cli(data, "login", "--server", url, "--user", "anna", "--password-stdin", stdin="wrong\n")
        check(bad.returncode != 0, "a wrong password fails")
        check(bad.stderr.count("\n") == 1 and "zveno-cli:" in bad.stderr, "with one line on stderr")
        check(not os.path.exists(os.path.join(data, "zveno.db")), "and leaves no cache behind")

        ok = cli(data, "login", "--server", url, "--user", "anna", "--password-stdin", stdin="correct horse\n")
        check(ok.returncode == 0, f"login succeeds: {ok.stderr.strip()}")
        status = json.loads(cli(data, "status", "--json").stdout)
        check(status["signed_in"] and status["login"] == "anna" and status["user_id"] > 0, "status shows the account")
        check(status["server"] == f"{url}/api/v1", "the API was discovered from the server address")
        check(secrets_of(account) == 3, "refresh token, access token and SIP password are in the secret store")

        # No secret in any file the client wrote.
        for path in all_files(data):
            with open(path, "rb") as f:
                blob = f.read()
            check(b"zvr_" not in blob and b"zva_" not in blob and b"correct horse" not in blob,
                  f"no token or password in {os.path.basename(path)}")

        who = cli(data, "whoami")
        check(who.returncode == 0 and who.stdout.startswith("anna (Анна Петрова)"), f"whoami: {who.stdout.strip()} {who.stderr.strip()}")

        time.sleep(3)  # the access token (2 s) has expired: the next call refreshes first
        who = cli(data, "whoami")
        check(who.returncode == 0, f"a call after expiry refreshes and succeeds: {who.stderr.strip()}")
        who = cli(data, "whoami")
        check(who.returncode == 0, "the rotated refresh token was saved and works again")
        check(secrets_of(account) == 3, "rotation replaced the tokens, never duplicated them")

        check(cli(data, "doctor").stdout.strip() == "ok", "doctor says ok")
        for command in (["history", "abc"], ["send", "0", "hi"], ["backfill", "12x"]):
            bad = cli(data, *command)
            check(bad.returncode == 1 and f"“{command[1]}” is not a chat id" in bad.stderr,
                  f"{command[0]} refuses the chat id {command[1]!r}: {bad.stderr.strip()}")

        check(admin(db, "user", "disable", "anna").returncode == 0, "the administrator disables the account")
        gone = cli(data, "whoami")
        check(gone.returncode != 0 and "disabled" in gone.stderr.lower(), f"the next request is refused: {gone.stderr.strip()}")
        check(all_files(data) == [], f"the device wiped its cache and files: {all_files(data)}")
        check(secrets_of(account) == 0, "and every secret of the account")

        check(admin(db, "user", "enable", "anna").returncode == 0, "the administrator enables the account again")
        ok = cli(data, "login", "--server", url, "--user", "anna", "--password-stdin", stdin="correct horse\n")
        check(ok.returncode == 0, "signing in again works")

        # The administrator revokes this device (not the account): the device wipes itself.
        devices = admin(db, "device", "list", "anna").stdout.splitlines()
        live = [line.split("\t")[0] for line in devices if "revoked" not in line]
        check(len(live) >= 1, f"the device is listed: {devices}")
        for device_id in live:
            check(admin(db, "device", "revoke", device_id).returncode == 0, f"device {device_id} revoked")
        gone = cli(data, "whoami")
        check(gone.returncode != 0 and ("revoked" in gone.stderr.lower() or "signed out" in gone.stderr.lower()),
              f"a revoked device is refused: {gone.stderr.strip()}")
        check(all_files(data) == [] and secrets_of(account) == 0, "and wiped: no file, no secret")

        # An IT profile presets and locks the server; a bad line is reported with file and line.
        profiles = os.path.join(tmp, "profile.d")
        os.makedirs(profiles)
        with open(os.path.join(profiles, "10-company.ini"), "w") as f:
            f.write(f"[account]\nserver = {url}\nlogin = anna\nlocked = server\nthis line is broken\n")
        env = {"ZVENO_PROFILE_DIR": profiles}
        other = cli(data, "login", "--server", "https://elsewhere.example.com", "--password-stdin",
                    stdin="correct horse\n", env=env)
        check(other.returncode != 0 and "10-company.ini" in other.stderr, f"a locked server cannot be changed: {other.stderr.strip()}")
        check(not os.path.exists(os.path.join(data, "zveno.db")), "and nothing was created")
        ok = cli(data, "login", "--password-stdin", stdin="correct horse\n", env=env)
        check(ok.returncode == 0, f"login with the server and login from the profile: {ok.stderr.strip()}")
        check("10-company.ini:5:" in ok.stderr, f"the malformed profile line is reported: {ok.stderr.strip()}")

        out = cli(data, "logout")
        check(out.returncode == 0, "logout")
        check(all_files(data) == [] and secrets_of(account) == 0, "logout leaves no file and no secret")
        check(cli(data, "whoami").returncode != 0, "after logout nothing is signed in")
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    done()


if __name__ == "__main__":
    main()
