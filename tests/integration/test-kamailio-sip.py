#!/usr/bin/python3
"""Kamailio as Zveno's SIP registrar and proxy, checked end to end on loopback.

Starts data/kamailio/start-kamailio.sh on a free UDP/TCP port against an SQLite database holding
Kamailio 5.6's auth_db tables, then drives it with SIPp (tests/integration/sipp/*.xml):
REGISTER with digest auth must get 200, a wrong password 401/403, a removed user must be refused,
and an authenticated call from one user to another must be answered and hung up through the proxy.

Two modes, two meson tests:
  --mode db      the test writes the subscriber/version tables itself, exactly as zveno-server
                 does (issue 3), so the Kamailio side is tested on its own;
  --mode server  the real zveno-server owns the database: users come from its admin CLI and the
                 SIP account is what GET /api/v1/telephony returns to each user's token.
                 Skipped (TAP "1..0 # SKIP") only while the zveno-server binary does not exist.

Output is TAP. Every process it starts runs in its own session and is killed at the end.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

LOOPBACK = "127.0.0.1"
SUBSCRIBER_SCHEMA = """
CREATE TABLE version (
  id INTEGER PRIMARY KEY NOT NULL,
  table_name VARCHAR(32) NOT NULL,
  table_version INTEGER DEFAULT 0 NOT NULL,
  CONSTRAINT version_table_name_idx UNIQUE (table_name));
INSERT INTO version (table_name, table_version) VALUES ('subscriber', 7);
CREATE TABLE subscriber (
  id INTEGER PRIMARY KEY NOT NULL,
  username VARCHAR(64) DEFAULT '' NOT NULL,
  domain VARCHAR(64) DEFAULT '' NOT NULL,
  password VARCHAR(64) DEFAULT '' NOT NULL,
  ha1 VARCHAR(128) DEFAULT '' NOT NULL,
  ha1b VARCHAR(128) DEFAULT '' NOT NULL,
  CONSTRAINT subscriber_account_idx UNIQUE (username, domain));
"""


class Failed(Exception):
    """A step the rest of the test depends on went wrong."""


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, desc, diag=""):
        self.n += 1
        print(f"{'ok' if cond else 'not ok'} {self.n} - {desc}", flush=True)
        if not cond:
            self.failed += 1
            for line in str(diag).splitlines():
                print(f"# {line}", flush=True)
        return cond

    def diag(self, text):
        for line in str(text).splitlines():
            print(f"# {line}", flush=True)


tap = Tap()


class Ports:
    """Free loopback ports. Each is bound once to prove it is free, and never handed out twice."""

    def __init__(self):
        self.used = set()

    def _free(self, port, tcp):
        kinds = [socket.SOCK_DGRAM] + ([socket.SOCK_STREAM] if tcp else [])
        socks = []
        try:
            for kind in kinds:
                s = socket.socket(socket.AF_INET, kind)
                socks.append(s)
                s.bind((LOOPBACK, port))
            return True
        except OSError:
            return False
        finally:
            for s in socks:
                s.close()

    def get(self, tcp=False, plus2=False):
        """A UDP port (and the same TCP port with tcp=True; port+2 too with plus2=True)."""
        for _ in range(200):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind((LOOPBACK, 0))
                port = s.getsockname()[1]
            wanted = [port, port + 2] if plus2 else [port]
            if port + 2 > 65535 or any(p in self.used for p in wanted):
                continue
            if all(self._free(p, tcp) for p in wanted):
                self.used.update(wanted)
                return port
        raise Failed("no free loopback port found")


class Proc:
    """A background process in its own session, killed with its whole group by stop()."""

    def __init__(self, name, argv, workdir, **kwargs):
        self.name = name
        self.log_path = Path(workdir) / f"{name}.log"
        self.log = open(self.log_path, "wb")
        self.popen = subprocess.Popen(argv, cwd=workdir, stdout=self.log,
                                      stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      start_new_session=True, **kwargs)

    def alive(self):
        return self.popen.poll() is None

    def wait(self, timeout):
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        if self.alive():
            for sig, grace in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.popen.pid, sig)
                except ProcessLookupError:
                    break
                if self.wait(grace) is not None:
                    break
        else:
            # The leader is gone; make sure nothing it forked outlives the test.
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.log.close()

    def tail(self, lines=25):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Harness:
    def __init__(self, args, workdir):
        self.src = Path(args.source_root)
        self.build = Path(args.build_root)
        self.work = Path(workdir)
        self.ports = Ports()
        self.procs = []
        self.sipp_bin = shutil.which("sipp") or "/usr/bin/sipp"
        self.scenarios = self.src / "tests" / "integration" / "sipp"
        self.runs = 0

    def start(self, name, argv, **kwargs):
        proc = Proc(name, argv, self.work, **kwargs)
        self.procs.append(proc)
        return proc

    def stop_all(self):
        for proc in reversed(self.procs):
            proc.stop()
        self.procs.clear()

    # Kamailio ---------------------------------------------------------------------------------

    def start_kamailio(self, db_path, domain, port=None):
        port = port or self.ports.get(tcp=True)
        rundir = self.work / f"kamailio-run-{port}"
        script = self.src / "data" / "kamailio" / "start-kamailio.sh"
        proc = self.start(f"kamailio-{port}", [str(script), str(port), str(db_path),
                                                str(rundir), domain])
        if not self.sip_ping(port, domain, proc):
            raise Failed(f"Kamailio did not answer OPTIONS on {LOOPBACK}:{port}\n{proc.tail()}")
        return port, proc

    def sip_ping(self, port, domain, proc, timeout=15.0):
        """True once Kamailio answers an OPTIONS probe with 200 (it is then routing requests)."""
        deadline = time.monotonic() + timeout
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((LOOPBACK, 0))
            s.settimeout(0.3)
            local = s.getsockname()[1]
            n = 0
            while time.monotonic() < deadline and proc.alive():
                n += 1
                probe = (f"OPTIONS sip:{domain} SIP/2.0\r\n"
                         f"Via: SIP/2.0/UDP {LOOPBACK}:{local};branch=z9hG4bK-zvprobe{n};rport\r\n"
                         "Max-Forwards: 70\r\n"
                         f"From: <sip:probe@{domain}>;tag=probe{n}\r\n"
                         f"To: <sip:{domain}>\r\n"
                         f"Call-ID: zveno-probe-{n}-{local}@{LOOPBACK}\r\n"
                         f"CSeq: {n} OPTIONS\r\nContent-Length: 0\r\n\r\n")
                s.sendto(probe.encode(), (LOOPBACK, port))
                try:
                    answer = s.recv(65535).decode(errors="replace")
                except socket.timeout:
                    continue
                if answer.startswith("SIP/2.0 200"):
                    return True
        return False

    # SIPp -------------------------------------------------------------------------------------

    def _sipp_argv(self, scenario, tag, inf_lines=None, local_port=None, timeout=15):
        self.runs += 1
        base = self.work / f"sipp-{self.runs:02d}-{tag}"
        argv = [self.sipp_bin, "-sf", str(self.scenarios / scenario), "-m", "1", "-nostdin",
                "-i", LOOPBACK, "-bind_local", "-p", str(local_port or self.ports.get()),
                "-mi", LOOPBACK, "-mp", str(self.ports.get(plus2=True)),
                "-ci", LOOPBACK, "-cp", str(self.ports.get()),
                "-timeout", f"{timeout}s", "-timeout_error",
                "-trace_logs", "-log_file", f"{base}.log",
                "-trace_err", "-error_file", f"{base}.err"]
        if inf_lines:
            inf = Path(f"{base}.csv")
            inf.write_text("SEQUENTIAL\n" + "\n".join(inf_lines) + "\n")
            argv += ["-inf", str(inf)]
        return argv, base

    @staticmethod
    def _outcome(base, rc, out):
        log = Path(f"{base}.log")
        text = log.read_text(errors="replace") if log.exists() else ""
        codes = re.findall(r"result=(\d{3})", text)
        err = Path(f"{base}.err")
        diag = f"sipp exit {rc}\nlog:\n{text}\n"
        if err.exists():
            diag += "errors:\n" + "\n".join(err.read_text(errors="replace").splitlines()[-20:])
        if out:
            diag += "\noutput:\n" + "\n".join(out.splitlines()[-10:])
        return (int(codes[-1]) if codes else None), text, diag

    def sipp_run(self, scenario, tag, remote, inf_lines, timeout=15):
        argv, base = self._sipp_argv(scenario, tag, inf_lines, timeout=timeout)
        argv.append(remote)
        try:
            done = subprocess.run(argv, cwd=self.work, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  timeout=timeout + 15, start_new_session=True)
            rc, out = done.returncode, done.stdout.decode(errors="replace")
        except subprocess.TimeoutExpired as e:
            rc, out = "timeout", (e.stdout or b"").decode(errors="replace")
        return (rc, *self._outcome(base, rc, out))

    def sipp_uas(self, port, timeout=20):
        argv, base = self._sipp_argv("uas-answer.xml", "uas", local_port=port, timeout=timeout)
        proc = self.start(f"sipp-uas-{port}", argv)
        return proc, base

    # Steps ------------------------------------------------------------------------------------

    def register(self, registrar, user, domain, password, contact_port, expect, what):
        rc, code, _, diag = self.sipp_run(
            "register-auth.xml", f"register-{user}", registrar,
            [f"{user};{domain};[authentication username={user} password={password}];{contact_port}"])
        wanted = expect if isinstance(expect, tuple) else (expect,)
        return tap.ok(code in wanted and rc == 0, f"{what}: REGISTER {user}@{domain} -> {code}",
                      f"expected {wanted}\n{diag}")

    def call(self, registrar, caller, domain, password, callee, uas_port, expect, what):
        """A call from caller to callee through Kamailio. With expect=200 the callee's SIPp UAS
        must see the INVITE, the ACK and the BYE; otherwise the call must be refused with expect."""
        uas = None
        if expect == 200:
            uas, uas_base = self.sipp_uas(uas_port)
            # SIPp opens its socket within milliseconds; give it a moment before the INVITE.
            time.sleep(0.3)
        rc, code, _, diag = self.sipp_run(
            "uac-auth-call.xml", f"call-{caller}-{callee}", registrar,
            [f"{caller};{domain};[authentication username={caller} password={password}];{callee}"])
        if expect != 200:
            return tap.ok(code == expect and rc == 0,
                          f"{what}: call {caller} -> {callee} refused with {code}",
                          f"expected {expect}\n{diag}")
        ok = tap.ok(code == 200 and rc == 0, f"{what}: call {caller} -> {callee} answered (200)",
                    diag)
        uas_rc = uas.wait(15)
        uas_log = Path(f"{uas_base}.log")
        uas_text = uas_log.read_text(errors="replace") if uas_log.exists() else ""
        ok &= tap.ok(uas_rc == 0 and "answered" in uas_text and "bye" in uas_text,
                     f"{what}: {callee}'s phone got INVITE, ACK and BYE through the proxy",
                     f"uas exit {uas_rc}\n{uas_text}\n{uas.tail()}")
        uas.stop()
        self.procs.remove(uas)
        return ok


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def make_db(path, users, domain):
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")  # as zveno-server runs it
    db.executescript(SUBSCRIBER_SCHEMA)
    for user, password in users.items():
        add_subscriber(db, user, domain, password)
    db.commit()
    db.close()


def add_subscriber(db, user, domain, password):
    db.execute("INSERT INTO subscriber (username, domain, password, ha1, ha1b) "
               "VALUES (?, ?, ?, ?, ?)",
               (user, domain, password, md5(f"{user}:{domain}:{password}"),
                md5(f"{user}@{domain}:{domain}:{password}")))


def remove_subscriber(path, user, domain):
    db = sqlite3.connect(path, timeout=10)
    n = db.execute("DELETE FROM subscriber WHERE username = ? AND domain = ?",
                   (user, domain)).rowcount
    db.commit()
    db.close()
    return n


def run_db_mode(h):
    """The tables written by the test, for the server's default domain and for a named one."""
    for domain in ("127.0.0.1", "sip.zveno.test"):
        label = f"[{domain}]"
        db_path = h.work / f"zveno-{domain}.db"
        users = {"alice": "alice-Secret-1", "bob": "bob-Secret-2"}
        make_db(db_path, users, domain)
        port, kamailio = h.start_kamailio(db_path, domain)
        tap.ok(True, f"{label} Kamailio up on udp+tcp {LOOPBACK}:{port}")
        registrar = f"{LOOPBACK}:{port}"
        uas_port = h.ports.get()

        h.register(registrar, "alice", domain, users["alice"], h.ports.get(), 200, label)
        h.register(registrar, "alice", domain, users["alice"] + "x", h.ports.get(), (401, 403),
                   f"{label} wrong password")
        h.register(registrar, "mallory", domain, "guess", h.ports.get(), (401, 403),
                   f"{label} unknown user")
        h.register(registrar, "bob", domain, users["bob"], uas_port, 200, label)
        h.call(registrar, "alice", domain, users["alice"], "bob", uas_port, 200, label)
        h.call(registrar, "alice", domain, users["alice"] + "x", "bob", uas_port, 403,
               f"{label} wrong password")
        h.call(registrar, "alice", domain, users["alice"], "nobody", uas_port, 404,
               f"{label} unknown callee")

        tap.ok(remove_subscriber(db_path, "bob", domain) == 1, f"{label} bob removed from the DB")
        h.register(registrar, "bob", domain, users["bob"], uas_port, (401, 403),
                   f"{label} after removal")
        h.call(registrar, "alice", domain, users["alice"], "bob", uas_port, 404,
               f"{label} callee removed while still registered")
        remove_subscriber(db_path, "alice", domain)
        h.call(registrar, "alice", domain, users["alice"], "bob", uas_port, 403,
               f"{label} caller removed")

        tap.ok(kamailio.alive(), f"{label} Kamailio still running after the run", kamailio.tail())
        kamailio.stop()
        h.procs.remove(kamailio)


# Server mode --------------------------------------------------------------------------------

def http_json(method, url, body=None, token=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read().decode())


def find_sip_account(obj):
    """The object in /telephony's answer that carries the SIP credentials."""
    if isinstance(obj, dict):
        if all(k in obj for k in ("username", "password", "domain")):
            return obj
        for value in obj.values():
            found = find_sip_account(value)
            if found:
                return found
    elif isinstance(obj, list):
        for value in obj:
            found = find_sip_account(value)
            if found:
                return found
    return None


def parse_hostport(value):
    """'sip:127.0.0.1:5070;transport=udp', '127.0.0.1:5070' -> ('127.0.0.1', 5070)."""
    m = re.fullmatch(r"(?:sips?:)?(?:[^@]*@)?\[?([^\]:;]+)\]?(?::(\d+))?(?:;.*)?", value.strip())
    if not m:
        return None
    return m.group(1), int(m.group(2) or 5060)


def wait_for_line(proc, pattern, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            m = re.search(pattern, proc.log_path.read_text(errors="replace"))
        except OSError:
            m = None
        if m:
            return m
        if not proc.alive():
            break
        time.sleep(0.05)
    return None


def run_server_mode(h, server):
    db_path = h.work / "zveno-server.db"
    files = h.work / "files"
    files.mkdir()
    sip_port = h.ports.get(tcp=True)
    domain = "127.0.0.1"
    proc = h.start("zveno-server", [str(server), "--db", str(db_path), "--listen",
                                     f"{LOOPBACK}:0", "--files", str(files),
                                     "--sip-domain", domain,
                                     "--sip-registrar", f"{LOOPBACK}:{sip_port}"])
    m = wait_for_line(proc, r"listening on (http://127\.0\.0\.1:\d+)")
    if not m:
        raise Failed(f"zveno-server did not print 'listening on'\n{proc.tail()}")
    base = m.group(1)
    tap.ok(True, f"zveno-server listening on {base}")

    passwords = {"alice": "alice-Login-Pw-1", "bob": "bob-Login-Pw-2"}
    for login, password in passwords.items():
        done = subprocess.run([str(server), "admin", "--db", str(db_path), "user", "add", login,
                               "--name", login.capitalize(), "--password-stdin"],
                              input=(password + "\n").encode(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=30)
        if not tap.ok(done.returncode == 0, f"admin user add {login}",
                      done.stdout.decode(errors="replace")):
            raise Failed("cannot create users")

    accounts = {}
    answers = {}
    for login, password in passwords.items():
        token = http_json("POST", f"{base}/api/v1/auth/login",
                          {"login": login, "password": password,
                           "device_name": "kamailio test"})["access_token"]
        answer = answers[login] = http_json("GET", f"{base}/api/v1/telephony", token=token)
        account = find_sip_account(answer)
        if not tap.ok(account is not None, f"/telephony gives {login} a SIP account",
                      json.dumps(answer, indent=1)):
            raise Failed("no SIP account")
        accounts[login] = account
        tap.ok(not re.search(r"[;\]\s]", account["password"]),
               f"{login}'s SIP password is usable in a digest header")

    alice, bob = accounts["alice"], accounts["bob"]
    # The registrar may sit next to the credentials or at the top of the answer.
    registrar_value = (alice.get("registrar") or alice.get("proxy")
                       or answers["alice"].get("registrar") or answers["alice"].get("proxy"))
    hostport = parse_hostport(str(registrar_value or ""))
    tap.ok(hostport == (LOOPBACK, sip_port), f"registrar from /telephony is {registrar_value}",
           f"expected {LOOPBACK}:{sip_port} (--sip-registrar)")
    if hostport is None:
        raise Failed("registrar missing")
    registrar = f"{hostport[0]}:{hostport[1]}"
    domain = alice["domain"]

    # Kamailio on the port zveno-server announces, reading the server's own database.
    _, kamailio = h.start_kamailio(db_path, domain, port=hostport[1])
    uas_port = h.ports.get()
    h.register(registrar, alice["username"], domain, alice["password"], h.ports.get(), 200,
               "server account")
    h.register(registrar, alice["username"], domain, alice["password"] + "x", h.ports.get(),
               (401, 403), "server account, wrong password")
    h.register(registrar, bob["username"], bob["domain"], bob["password"], uas_port, 200,
               "server account")
    h.call(registrar, alice["username"], domain, alice["password"], bob["username"], uas_port,
           200, "server accounts")

    done = subprocess.run([str(server), "admin", "--db", str(db_path), "user", "disable", "bob"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    tap.ok(done.returncode == 0, "admin user disable bob", done.stdout.decode(errors="replace"))
    h.register(registrar, bob["username"], bob["domain"], bob["password"], uas_port, (401, 403),
               "disabled user")
    h.call(registrar, alice["username"], domain, alice["password"], bob["username"], uas_port,
           404, "disabled callee")
    tap.ok(kamailio.alive() and proc.alive(), "Kamailio and zveno-server still running",
           kamailio.tail() + "\n" + proc.tail())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=("db", "server"), required=True)
    ap.add_argument("--source-root", default=os.environ.get("ZVENO_SOURCE_ROOT",
                                                            str(Path(__file__).parents[2])))
    ap.add_argument("--build-root", default=os.environ.get("ZVENO_BUILD_ROOT", "build"))
    args = ap.parse_args()

    server = Path(args.build_root) / "src" / "server" / "zveno-server"
    if args.mode == "server" and not os.access(server, os.X_OK):
        print(f"1..0 # SKIP {server} is not built yet (zveno-server, issue 3)")
        return 0
    for tool in ("sipp", "kamailio"):
        if not (shutil.which(tool) or os.access(f"/usr/sbin/{tool}", os.X_OK)
                or os.access(f"/usr/bin/{tool}", os.X_OK)):
            print(f"Bail out! {tool} is not installed (./run deps)")
            return 1

    # meson's timeout and Ctrl-C arrive as SIGTERM/SIGINT: unwind so that everything is killed.
    def on_signal(signum, _frame):
        raise SystemExit(f"stopped by signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    tmp_parent = os.environ.get("ZVENO_TEST_TMPDIR") or None
    with tempfile.TemporaryDirectory(prefix="kamailio-", dir=tmp_parent) as workdir:
        h = Harness(args, workdir)
        try:
            if args.mode == "db":
                run_db_mode(h)
            else:
                run_server_mode(h, server)
        except Failed as e:
            tap.ok(False, "harness step", e)
        except Exception as e:  # a crash in the harness is a failed test, with its reason
            tap.ok(False, f"harness error: {type(e).__name__}", e)
        finally:
            h.stop_all()
    print(f"1..{tap.n}", flush=True)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
