#!/usr/bin/python3
"""Zveno's own SIP phone (zveno-cli answer / call) against Kamailio and zveno-server on loopback.

zveno-server provisions two users (admin CLI); each one's GET /telephony gives the SIP account.
Then, with Kamailio reading the server's database:
  - `zveno-cli answer` registers with those credentials (digest auth, 200), and Kamailio routes a
    request for the user to it (so the registration really is in Kamailio's location table);
  - with ZVENO_SIP_EXPIRES=30 the registration is refreshed before it expires;
  - a wrong password ends in a clear "refused the user name or password" and exit status 1;
  - an unreachable registrar is reported and retried with a backoff;
  - `zveno-cli call` from one user to the other's `answer --echo` through Kamailio: a 440 Hz tone
    sent with --play comes back in --record (Goertzel tone detection, not packet counts).
Output is TAP; every process runs in its own session and is killed at the end.
"""

import math
import os
import re
import signal
import struct
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Also loaded from other directories (tests/ui/test-calls.py, tests/bench/bench-call.py).
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
import zvphone  # noqa: E402
ks = zvphone.load("kamailio_sip", "test-kamailio-sip.py")
tap = ks.tap
LOOPBACK = ks.LOOPBACK


class Lines:
    """Collects a process's output lines in a thread so a test can wait for one."""

    def __init__(self, stream):
        self.lines = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for raw in iter(stream.readline, b""):
            with self.cond:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self.cond.notify_all()

    def wait(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines:
                    m = re.search(pattern, line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def text(self):
        with self.cond:
            return "\n".join(self.lines)


class Cli:
    """A zveno-cli process in its own session, stdout and stderr collected separately."""

    def __init__(self, h, argv, password, env=None):
        env = dict(env or {})
        if "ASAN_OPTIONS" in os.environ:
            # Under ASan: full stacks, so that LeakSanitizer can tell GLib's own start-up state
            # (tests/lsan.supp: _dl_init) from a leak of ours. The phone does no key derivation,
            # so the slower unwinding costs nothing here.
            env["ASAN_OPTIONS"] = os.environ["ASAN_OPTIONS"] + ":fast_unwind_on_malloc=0"
        self.popen = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, start_new_session=True,
                                      env=dict(os.environ, **(env or {})), cwd=h.work)
        self.popen.stdin.write((password + "\n").encode())
        self.popen.stdin.close()
        self.out = Lines(self.popen.stdout)
        self.err = Lines(self.popen.stderr)
        h.clis.append(self)

    def wait(self, timeout):
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        if self.popen.poll() is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.popen.pid, sig)
                except ProcessLookupError:
                    break
                if self.wait(5) is not None:
                    break

    def diag(self):
        return f"stdout:\n{self.out.text()}\nstderr:\n{self.err.text()}"


def options_to(port, domain, user):
    """An OPTIONS for sip:user@domain sent through Kamailio from a foreign domain: Kamailio relays
    it to the user's registered contact, whose answer (200 from a live phone, 480 when nobody is
    registered) comes back to us."""
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((LOOPBACK, 0))
        s.settimeout(3)
        local = s.getsockname()[1]
        msg = (f"OPTIONS sip:{user}@{domain} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP {LOOPBACK}:{local};branch=z9hG4bK-zvopt{local};rport\r\n"
               "Max-Forwards: 70\r\n"
               f"From: <sip:tester@outside.test>;tag=opt{local}\r\n"
               f"To: <sip:{user}@{domain}>\r\n"
               f"Call-ID: zveno-opt-{local}@{LOOPBACK}\r\n"
               f"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
        s.sendto(msg.encode(), (LOOPBACK, port))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                answer = s.recv(65535).decode(errors="replace")
            except OSError:
                return None
            m = re.match(r"SIP/2.0 (\d{3})", answer)
            if m and int(m.group(1)) >= 200:
                return int(m.group(1))
    return None


def write_tone(path, freq, seconds, rate=48000):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * freq * i / rate)))
                               for i in range(int(rate * seconds))))


def tone_power(path, freq):
    """Share of the signal's power at @freq (Goertzel), over the recording's loud part."""
    with wave.open(str(path), "rb") as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        raw = w.readframes(w.getnframes())
    if width != 2 or not raw:
        return 0.0, 0
    samples = struct.unpack(f"<{len(raw) // 2}h", raw)[::channels]
    loud = [x for x in samples]
    n = len(loud)
    if n < rate // 10:
        return 0.0, n
    k = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = 0.0
    total = 0.0
    for x in loud:
        s0 = x + k * s1 - s2
        s2, s1 = s1, s0
        total += x * x
    power = s1 * s1 + s2 * s2 - k * s1 * s2
    return (2 * power / (n * total)) if total > 0 else 0.0, n


class Harness(ks.Harness):
    def __init__(self, args, workdir):
        super().__init__(args, workdir)
        self.cli = str(Path(args.build_root) / "src" / "cli" / "zveno-cli")
        self.clis = []

    def phone(self, command, account, password, proxy, *extra, env=None):
        data = self.work / f"device-{len(self.clis)}"
        argv = [self.cli, "--data-dir", str(data), command, *extra,
                "--sip-user", f"sip:{account['username']}@{account['domain']}",
                "--sip-proxy", proxy, "--sip-password-stdin"]
        return Cli(self, argv, password, env=env)

    def stop_all(self):
        for cli in self.clis:
            cli.stop()
        super().stop_all()


def provision(h, server):
    db_path, sip_port, accounts = zvphone.provision(h, server, ("alice", "bob"), "phone test")
    tap.ok(True, f"zveno-server provisioned alice and bob; registrar {LOOPBACK}:{sip_port}")
    return db_path, sip_port, accounts


def run(h, server):
    db_path, sip_port, accounts = provision(h, server)
    alice, bob = accounts["alice"], accounts["bob"]
    domain = alice["domain"]
    proxy_udp = f"sip:{LOOPBACK}:{sip_port};transport=udp"
    proxy_tcp = f"sip:{LOOPBACK}:{sip_port};transport=tcp"

    # Unreachable first: nothing listens on the registrar port yet.
    early = h.phone("answer", bob, bob["password"], proxy_udp)
    m = early.err.wait(r"did not answer.*Retrying in (\d+) s", 45)
    tap.ok(m is not None, "an unreachable registrar is reported with a retry delay", early.diag())

    _, kamailio = h.start_kamailio(db_path, domain, port=sip_port)
    tap.ok(True, f"Kamailio up on {LOOPBACK}:{sip_port}")
    if m is not None:
        # The backoff retry (2-3 s, then 4-5 s...) registers once Kamailio is there.
        ok = early.out.wait(r"^registered: ", 20)
        tap.ok(ok is not None, "the retry with backoff registers once the registrar is back",
               early.diag())
    early.stop()

    t0 = time.monotonic()
    ans = h.phone("answer", alice, alice["password"], proxy_udp, "--echo",
                  env={"ZVENO_SIP_EXPIRES": "30"})
    reg = ans.out.wait(r"^registered: (\S+) expires=(\d+)", 15)
    tap.ok(reg is not None and reg.group(1) == f"sip:{alice['username']}@{domain}",
           f"answer registers over UDP with the /telephony credentials "
           f"({(time.monotonic() - t0) * 1000:.0f} ms)", ans.diag())
    code = options_to(sip_port, domain, alice["username"])
    tap.ok(code == 200, f"Kamailio routes a request for alice to the phone (OPTIONS -> {code})",
           ans.diag() + "\n" + kamailio.tail())

    bad = h.phone("answer", bob, bob["password"] + "x", proxy_udp)
    rc = bad.wait(20)
    tap.ok(rc == 1 and "refused the user name or password" in bad.err.text(),
           f"a wrong password fails clearly (exit {rc})", bad.diag())

    tcp = h.phone("answer", bob, bob["password"], proxy_tcp)
    ok = tcp.out.wait(r"^registered: ", 15)
    tap.ok(ok is not None, "registers over TCP too", tcp.diag())
    tcp.stop()

    # Zveno calls Zveno through Kamailio: a 440 Hz tone goes out, alice echoes it, it comes back.
    tone = h.work / "tone440.wav"
    record = h.work / "back.wav"
    write_tone(tone, 440, 6)
    call = h.phone("call", bob, bob["password"], proxy_udp, f"sip:{alice['username']}@{domain}",
                   "--duration", "3", "--play", str(tone), "--record", str(record),
                   "--caller-id", "+7 495 100-00-00")
    rc = call.wait(30)
    out = call.out.text()
    tap.ok(rc == 0 and "answered:" in out and "ended: hangup" in out,
           f"call answered and hung up (exit {rc})", call.diag() + "\n" + ans.diag())
    setup = re.search(r"setup_ms: ([\d.]+)", out)
    codec = re.search(r"codec: (\S+)", out)
    tap.diag(f"codec {codec.group(1) if codec else '?'}, INVITE to first RTP "
             f"{setup.group(1) if setup else '?'} ms")
    share, n = tone_power(record, 440) if record.exists() else (0.0, 0)
    tap.ok(share > 0.5, f"the recording holds the echoed 440 Hz tone "
           f"({share:.2f} of the power, {n} samples)", call.diag())
    other, _ = tone_power(record, 1000) if record.exists() else (0.0, 0)
    tap.ok(other < 0.05, f"and not a 1000 Hz one ({other:.3f}): the detector can say no")

    refresh = ans.out.wait(r"^refreshed: ", 40)
    tap.ok(refresh is not None, "the 30 s registration is refreshed before it expires", ans.diag())
    tap.ok(kamailio.alive(), "Kamailio still running", kamailio.tail())


def main():
    return zvphone.main(run, "phone-", harness=Harness)


if __name__ == "__main__":
    sys.exit(main())
