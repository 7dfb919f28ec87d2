#!/usr/bin/python3
"""Zveno's phone against baresip, a SIP phone nobody here wrote, through Kamailio on loopback.

zveno-server provisions three users: alice is Zveno (zveno-cli call / answer), bob and carol are
two baresip instances, each with its own config dir in the test's temp dir. baresip auto-answers,
sends a sine from its `ausine` module (48 kHz; it resamples for PCMU) to the `aubridge` player
(paced, unlike alsa,null) and records both directions with its `sndfile` module. bob only offers
Opus, carol only PCMU, so each call has a known codec.

Four calls, each verified in both directions by tone detection (Goertzel), one frequency per
direction so that an echo or a crossed stream cannot pass:
  Zveno -> baresip (Opus), Zveno -> baresip (PCMU): Zveno plays 1200 Hz, baresip plays its sine;
  baresip -> Zveno (Opus), baresip -> Zveno (PCMU): dialled over baresip's ctrl_tcp socket,
  answered by `zveno-cli answer --count 1 --play --record`.
Output is TAP; every process runs in its own session and is killed at the end.

The Baresip class is also used by tests/bench/bench-call.py and test-phone-tls.py.
"""

import json
import re
import shutil
import socket
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Also loaded from other directories (tests/ui/test-calls.py, tests/bench/bench-call.py).
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
import zvphone  # noqa: E402
ps = zvphone.load("phone_sip", "test-phone-sip.py")
ks = ps.ks
tap = ks.tap
LOOPBACK = ks.LOOPBACK

ZVENO_HZ = 1200
BOB_HZ = 700
CAROL_HZ = 500
CALL_SECONDS = 3


def free_range(h, count):
    """@count consecutive free UDP ports (RTP and RTCP for baresip's rtp_ports)."""
    for _ in range(200):
        base = h.ports.get()
        wanted = list(range(base, base + count))
        if wanted[-1] > 65535 or any(p in h.ports.used for p in wanted[1:]):
            continue
        if all(h.ports._free(p, False) for p in wanted[1:]):
            h.ports.used.update(wanted)
            return base
    raise ks.Failed("no free range of loopback ports")


def sip_port_pair(h):
    """A UDP+TCP port whose next port is free too: baresip also binds SIP TLS on port + 1."""
    for _ in range(200):
        port = h.ports.get(tcp=True)
        if port + 1 not in h.ports.used and h.ports._free(port + 1, True):
            h.ports.used.add(port + 1)
            return port
    raise ks.Failed("no free pair of loopback ports")


class Baresip:
    """One baresip process with its own config dir: one account, auto-answer, a sine source,
    the paced aubridge player, recordings of both directions (sndfile) and ctrl_tcp."""

    def __init__(self, h, name, account, outbound, codecs, tone_hz, extra_account="",
                 extra_config="", source=None):
        self.h = h
        self.name = name
        self.account = account
        self.dir = h.work / f"baresip-{name}"
        self.rec = self.dir / "rec"
        self.rec.mkdir(parents=True)
        self.sip_port = sip_port_pair(h)
        self.ctrl_port = h.ports.get(tcp=True)
        rtp = free_range(h, 20)
        self.tone_hz = tone_hz
        modules = ["g711.so", "opus.so", "ausine.so", "aufile.so", "aubridge.so", "sndfile.so"]
        config = [
            "poll_method epoll",
            f"sip_listen {LOOPBACK}:{self.sip_port}",
            f"net_interface {LOOPBACK}",
            "call_local_timeout 120",
            "call_max_calls 4",
            f"audio_player aubridge,sink-{name}",
            f"audio_source {source or f'ausine,{tone_hz}'}",
            f"audio_alert aubridge,alert-{name}",
            "ausrc_srate 48000",
            "ausrc_channels 2",
            "auplay_srate 48000",
            "auplay_channels 2",
            "audio_level no",
            "audio_buffer 20-160",
            f"rtp_ports {rtp}-{rtp + 19}",
            "rtcp_mux no",
            "jitter_buffer_delay 2-5",
            "rtp_stats yes",
            "module_path /usr/lib/baresip/modules",
            *[f"module {m}" for m in modules],
            "module_tmp uuid.so",
            "module_tmp account.so",
            "module_app menu.so",
            "module_app ctrl_tcp.so",
            f"ctrl_tcp_listen {LOOPBACK}:{self.ctrl_port}",
            f"snd_path {self.rec}",
            "opus_bitrate 28000",
            extra_config,
        ]
        (self.dir / "config").write_text("\n".join(config) + "\n")
        aor = f"sip:{account['username']}@{account['domain']}"
        (self.dir / "accounts").write_text(
            f"<{aor}>;auth_user={account.get('auth_username') or account['username']};"
            f"auth_pass={account['password']};outbound=\"{outbound}\";regint=600;"
            f"answermode=auto;audio_codecs={codecs}{extra_account}\n")
        self.aor = aor
        self.proc = h.start(f"baresip-{name}", [shutil.which("baresip") or "/usr/bin/baresip",
                                                 "-f", str(self.dir)])

    def log(self):
        try:
            return self.proc.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def wait_log(self, pattern, timeout, start=0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, self.log()[start:])
            if m:
                return m
            if not self.proc.alive():
                return None
            time.sleep(0.05)
        return None

    def wait_registered(self, timeout=15):
        return self.wait_log(r"\} 200 OK", timeout)

    def command(self, command, params=None, timeout=5):
        """One ctrl_tcp command (netstring JSON); the response's data, or raises Failed."""
        body = {"command": command, "token": f"zv{time.monotonic_ns()}"}
        if params is not None:
            body["params"] = params
        raw = json.dumps(body).encode()
        deadline = time.monotonic() + timeout
        with socket.create_connection((LOOPBACK, self.ctrl_port), timeout=timeout) as s:
            s.sendall(str(len(raw)).encode() + b":" + raw + b",")
            buf = b""
            while time.monotonic() < deadline:
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
                while True:
                    colon = buf.find(b":")
                    if colon < 0:
                        break
                    size = int(buf[:colon])
                    if len(buf) < colon + 1 + size + 1:
                        break
                    msg = json.loads(buf[colon + 1:colon + 1 + size])
                    buf = buf[colon + 1 + size + 1:]
                    if msg.get("response"):
                        if not msg.get("ok", False):
                            raise ks.Failed(f"baresip {command}: {msg}")
                        return msg.get("data", "")
        raise ks.Failed(f"baresip {command}: no response")

    def recordings(self):
        return {p.name: p.stat().st_mtime for p in self.rec.glob("*.wav")}

    def newest(self, before, kind):
        """The recording of @kind ("dec": what baresip heard, "enc": what it sent) made since
        @before (a recordings() snapshot)."""
        made = [p for p in self.rec.glob(f"*-{kind}.wav") if p.name not in before]
        return max(made, key=lambda p: p.stat().st_mtime) if made else None


def provision(h, server, logins):
    """zveno-server with @logins, each with the SIP account GET /telephony gives them (zvphone)."""
    return zvphone.provision(h, server, logins, "baresip test")


def tones(path, wanted, unwanted):
    """(share of @wanted, share of @unwanted) in the WAV at @path, (0, 0) when it is missing."""
    if path is None or not Path(path).exists():
        return 0.0, 0.0, 0
    share, n = ps.tone_power(path, wanted)
    other, _ = ps.tone_power(path, unwanted)
    return share, other, n


def check_tones(what, path, wanted, unwanted, diag):
    share, other, n = tones(path, wanted, unwanted)
    tap.ok(share > 0.5 and other < 0.05,
           f"{what}: {wanted} Hz is {share:.2f} of the power, {unwanted} Hz {other:.3f} "
           f"({n} samples)", f"{path}\n{diag}")


def zveno_calls_baresip(h, alice, peer, proxy, tone, codec):
    before = peer.recordings()
    record = h.work / f"zveno-from-{peer.name}.wav"
    call = h.phone("call", alice, alice["password"], proxy, peer.aor,
                   "--duration", str(CALL_SECONDS), "--play", str(tone), "--record", str(record))
    rc = call.wait(CALL_SECONDS + 25)
    out = call.out.text()
    diag = call.diag() + "\nbaresip:\n" + "\n".join(peer.log().splitlines()[-30:])
    tap.ok(rc == 0 and "answered:" in out and "ended: hangup" in out,
           f"Zveno calls baresip {peer.name}: answered and hung up (exit {rc})", diag)
    got = re.search(r"codec: (\S+)", out)
    tap.ok(got is not None and got.group(1).lower().startswith(codec.lower()),
           f"Zveno -> {peer.name}: the codec is {got.group(1) if got else '?'} ({codec} expected)",
           diag)
    setup = re.search(r"setup_ms: ([\d.]+)", out)
    tap.diag(f"Zveno -> {peer.name}: INVITE to first RTP {setup.group(1) if setup else '?'} ms")
    # baresip closes its recording when the call ends; give it a moment after our BYE.
    peer.wait_log(r"terminated|closed|Connection reset|BYE", 5)
    time.sleep(0.5)
    check_tones(f"Zveno -> {peer.name} ({codec}): Zveno's recording holds baresip's tone",
                record, peer.tone_hz, ZVENO_HZ, diag)
    check_tones(f"Zveno -> {peer.name} ({codec}): baresip's recording holds Zveno's tone",
                peer.newest(before, "dec"), ZVENO_HZ, peer.tone_hz, diag)


def baresip_calls_zveno(h, alice, peer, proxy, tone, codec):
    before = peer.recordings()
    record = h.work / f"zveno-answered-{peer.name}.wav"
    ans = h.phone("answer", alice, alice["password"], proxy, "--count", "1",
                  "--play", str(tone), "--record", str(record))
    reg = ans.out.wait(r"^registered: ", 15)
    tap.ok(reg is not None, f"zveno-cli answer registers alice ({peer.name} will call)", ans.diag())
    mark = len(peer.log())
    peer.command("dial", f"sip:{alice['username']}@{alice['domain']}")
    answered = ans.out.wait(r"^incoming: ", 15)
    established = peer.wait_log(r"[Cc]all established|ESTABLISHED|answered", 15, start=mark)
    tap.ok(answered is not None and established is not None,
           f"baresip {peer.name} calls Zveno: Zveno answers", ans.diag() + "\n" + peer.log()[mark:])
    time.sleep(CALL_SECONDS)
    peer.command("hangup")
    rc = ans.wait(15)
    out = ans.out.text()
    diag = ans.diag() + "\nbaresip:\n" + peer.log()[mark:]
    tap.ok(rc == 0 and re.search(r"^ended: (remote-)?hangup", out, re.MULTILINE) is not None,
           f"{peer.name} hangs up; answer --count 1 ends (exit {rc})", diag)
    got = re.search(r"codec: (\S+)", out)
    tap.ok(got is not None and got.group(1).lower().startswith(codec.lower()),
           f"{peer.name} -> Zveno: the codec is {got.group(1) if got else '?'} ({codec} expected)",
           diag)
    time.sleep(0.5)
    check_tones(f"{peer.name} -> Zveno ({codec}): Zveno's recording holds baresip's tone",
                record, peer.tone_hz, ZVENO_HZ, diag)
    check_tones(f"{peer.name} -> Zveno ({codec}): baresip's recording holds Zveno's tone",
                peer.newest(before, "dec"), ZVENO_HZ, peer.tone_hz, diag)


def run(h, server):
    db_path, sip_port, accounts = provision(h, server, ("alice", "bob", "carol"))
    alice = accounts["alice"]
    domain = alice["domain"]
    _, kamailio = h.start_kamailio(db_path, domain, port=sip_port)
    tap.ok(True, f"zveno-server provisioned alice, bob, carol; Kamailio up on {LOOPBACK}:{sip_port}")
    proxy = f"sip:{LOOPBACK}:{sip_port};transport=udp"
    outbound = f"sip:{LOOPBACK}:{sip_port}"

    bob = Baresip(h, "bob", accounts["bob"], outbound, "opus/48000/2", BOB_HZ)
    carol = Baresip(h, "carol", accounts["carol"], outbound, "PCMU", CAROL_HZ)
    for peer in (bob, carol):
        tap.ok(peer.wait_registered() is not None,
               f"baresip {peer.name} registers with the credentials zveno-server provisioned",
               peer.log() + "\n" + kamailio.tail())

    tone = h.work / f"tone{ZVENO_HZ}.wav"
    ps.write_tone(tone, ZVENO_HZ, CALL_SECONDS + 8)
    zveno_calls_baresip(h, alice, bob, proxy, tone, "opus")
    zveno_calls_baresip(h, alice, carol, proxy, tone, "PCMU")
    baresip_calls_zveno(h, alice, bob, proxy, tone, "opus")
    baresip_calls_zveno(h, alice, carol, proxy, tone, "PCMU")
    for peer in (bob, carol):
        tap.ok(peer.proc.alive(), f"baresip {peer.name} still running", peer.log()[-2000:])
    tap.ok(kamailio.alive(), "Kamailio still running", kamailio.tail())


def main():
    return zvphone.main(run, "baresip-")


if __name__ == "__main__":
    sys.exit(main())
