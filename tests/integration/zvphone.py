"""tests/integration/zvphone.py: what the phone integration tests (test-phone-*.py) share.

load() gives another test script of this directory as a module (their names have dashes, so no
plain import), one instance per process: the scripts build on each other (test-phone-sip.py on
test-kamailio-sip.py, test-phone-baresip.py on test-phone-sip.py, ...) and must all count into the
same TAP stream (test-kamailio-sip.py's `tap`). main() is their common entry point: it runs a test's
steps against the built zveno-server in a private directory that is removed afterwards, turns a
failed harness step or a crash into a failed TAP line, and returns the exit status."""

import importlib.util
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load(name, filename):
    """The script HERE/filename as the module `name`, loaded once per process."""
    module = sys.modules.get(name)
    if module is not None:
        return module
    spec = importlib.util.spec_from_file_location(name, HERE / filename)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def main(run, prefix, harness=None):
    """Runs run(h, server): h a Harness (test-phone-sip.py's unless given) working in a temporary
    directory named after prefix, server the path of the built zveno-server. Prints the TAP plan;
    returns 1 if any test failed, else 0."""
    ks = load("kamailio_sip", "test-kamailio-sip.py")
    if harness is None:
        harness = load("phone_sip", "test-phone-sip.py").Harness
    build = Path(os.environ.get("ZVENO_BUILD_ROOT", "build"))
    server = build / "src" / "server" / "zveno-server"
    args = type("Args", (), {"source_root": os.environ.get("ZVENO_SOURCE_ROOT", str(HERE.parents[1])),
                             "build_root": str(build)})

    def on_signal(signum, _frame):
        raise SystemExit(f"stopped by signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    tap = ks.tap
    with tempfile.TemporaryDirectory(prefix=prefix, dir=os.environ.get("ZVENO_TEST_TMPDIR")) as workdir:
        h = harness(args, workdir)
        try:
            run(h, server)
        except ks.Failed as e:
            tap.ok(False, "harness step", e)
        except Exception as e:  # a crash in the harness is a failed test, with its reason
            tap.ok(False, f"harness error: {type(e).__name__}", e)
        finally:
            h.stop_all()
    print(f"1..{tap.n}", flush=True)
    return 1 if tap.failed else 0


def provision(h, server, logins, device_name="phone test"):
    """Starts zveno-server (a Harness process in h's directory) pointing its SIP accounts at a
    registrar on a free port of LOOPBACK, adds @logins with the admin CLI and signs each in for the
    SIP account GET /telephony gives them. Returns (database path, registrar port, {login: account})."""
    ks = load("kamailio_sip", "test-kamailio-sip.py")
    loopback = ks.LOOPBACK
    db_path = h.work / "zveno-server.db"
    files = h.work / "files"
    files.mkdir()
    sip_port = h.ports.get(tcp=True)
    proc = h.start("zveno-server", [str(server), "--db", str(db_path), "--listen", f"{loopback}:0",
                                     "--files", str(files), "--sip-domain", loopback,
                                     "--sip-registrar", f"{loopback}:{sip_port}"])
    m = ks.wait_for_line(proc, r"listening on (http://127\.0\.0\.1:\d+)")
    if not m:
        raise ks.Failed(f"zveno-server did not start\n{proc.tail()}")
    base = m.group(1)
    accounts = {}
    for login in logins:
        password = f"{login}-Login-Pw-1"
        done = subprocess.run([str(server), "admin", "--db", str(db_path), "user", "add", login,
                               "--name", login.capitalize(), "--password-stdin"],
                              input=(password + "\n").encode(), capture_output=True, timeout=30)
        if done.returncode != 0:
            raise ks.Failed(f"admin user add {login}: {done.stdout} {done.stderr}")
        token = ks.http_json("POST", f"{base}/api/v1/auth/login",
                             {"login": login, "password": password,
                              "device_name": device_name})["access_token"]
        account = ks.find_sip_account(ks.http_json("GET", f"{base}/api/v1/telephony", token=token))
        if account is None:
            raise ks.Failed(f"/telephony gave {login} no SIP account")
        accounts[login] = account
    return db_path, sip_port, accounts
