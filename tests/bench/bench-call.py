#!/usr/bin/python3
"""bench-call.py BUILD: a call through Kamailio on loopback, Zveno against baresip, in one run.

Both stacks make the same call the same way: users provisioned by zveno-server, registered with
Kamailio (data/kamailio), one UA calls the other through it, Opus 48 kHz with 20 ms packets, each
side sending a tone and playing what it hears into a paced sink (Zveno: its jitter buffer clocks
the recording; baresip: the aubridge player, not alsa,null, which busy-loops).

Figures (each stack measured in this run, ratios Zveno / baresip):
  call setup   INVITE sent to the first RTP packet received, at the caller, from each stack's own
               clock: zveno-cli prints setup_ms (its call's INVITE time to the first packet its
               udpsrc reads from the RTP socket, before any jitter buffer); for baresip, the bench
               sends `dial` on ctrl_tcp and times the CALL_RTPESTAB event, which baresip raises on
               the first RTP packet its socket handler reads, on the same socket (so baresip's
               figure also holds a ctrl_tcp command and event, reported as its round trip). No
               pcap. The median of BENCH_CALL_SETUPS calls (11; digest challenge included in
               both), the two stacks' calls taking turns so that both see the same machine load.
               BENCH_CALL_ONLY=setup measures only this; BENCH_CALL_TRACE=1 prints each Zveno
               call's steps from both phones (ZVENO_PHONE_TRACE, CLOCK_MONOTONIC), merged, in ms
               from the caller's INVITE (docs/PERFORMANCE.md).
  CPU per call % of one core per UA, from /proc/PID/stat (utime+stime) over BENCH_CALL_SECONDS of
               steady state (from 3 s after the answer), the mean of caller and callee; for Zveno
               also with --dsp on both sides (webrtcdsp: echo cancellation against what the
               recording plays, noise suppression, gain control), against baresip without.
  RSS          VmRSS of each UA in the middle of the call, the mean of caller and callee.
  latency      one-way audio latency into Zveno: baresip (PCMU, aufile) sends a 20 ms 1 kHz click
               every second to `zveno-cli answer --echo`; strace -ttt on both processes times the
               RTP packet carrying each click leaving baresip and the packet carrying it leaving
               Zveno again (payloads decoded from the syscalls: network + jitter buffer + decode +
               re-encode). The median over the clicks, against the jitter buffer (rtpbin latency,
               40 ms). zveno-cli's sinks do not wait on the clock, and rtpjitterbuffer pushes
               in-order packets at once (its latency is the wait for missing ones), so this is the
               pipeline's own delay, without a sound card's buffer.

Results: a human-readable report on stdout, and one JSON line per figure appended to
$ZVENO_BENCH_OUT when set (see ./run bench). Not a meson test.
"""

import importlib.util
import json
import os
import re
import signal
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
import bench_out  # noqa: E402  (tests/bench/bench_out.py, the shared JSON-lines writer)
_spec = importlib.util.spec_from_file_location("phone_baresip", ROOT / "tests" / "integration" / "test-phone-baresip.py")
pb = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pb)
ps, ks = pb.ps, pb.ks
LOOPBACK = ks.LOOPBACK

SETUPS = int(os.environ.get("BENCH_CALL_SETUPS", "11"))
STEADY_SECONDS = float(os.environ.get("BENCH_CALL_SECONDS", "20"))
WARMUP_SECONDS = 3.0
JITTER_BUFFER_MS = 40.0  # rtpbin latency in zv-media-session.c
TICKS = os.sysconf("SC_CLK_TCK")
COMMAND = "tests/bench/bench-call.py BUILD"


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_percent(pids, seconds):
    """% of one core each of @pids used over @seconds, from now."""
    start = {pid: cpu_ticks(pid) for pid in pids}
    t0 = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - t0
    return [100.0 * (cpu_ticks(pid) - start[pid]) / TICKS / elapsed for pid in pids]


class Events:
    """A ctrl_tcp connection to baresip: commands and the events it sends, with arrival times."""

    def __init__(self, peer):
        self.sock = socket.create_connection((LOOPBACK, peer.ctrl_port), timeout=10)
        self.buf = b""

    def send(self, command, params=None):
        token = f"bench{time.monotonic_ns()}"
        body = {"command": command, "token": token}
        if params is not None:
            body["params"] = params
        raw = json.dumps(body).encode()
        self.sock.sendall(str(len(raw)).encode() + b":" + raw + b",")
        return token

    def wait(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while True:
                colon = self.buf.find(b":")
                if colon < 0:
                    break
                size = int(self.buf[:colon])
                if len(self.buf) < colon + size + 2:
                    break
                msg = json.loads(self.buf[colon + 1:colon + 1 + size])
                self.buf = self.buf[colon + size + 2:]
                if predicate(msg):
                    return msg, time.monotonic()
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            self.buf += chunk
        raise ks.Failed("baresip: the expected event did not come")

    def close(self):
        self.sock.close()


def is_event(kind):
    return lambda m: m.get("event") and m.get("type") == kind


def zveno_call(h, caller, callee_account, proxy, tone, seconds, record, env=None, extra=()):
    return h.phone("call", caller, caller["password"], proxy,
                   f"sip:{callee_account['username']}@{callee_account['domain']}",
                   "--duration", str(seconds), "--play", str(tone), "--record", str(record), *extra, env=env)


# BENCH_CALL_TRACE=1: both zveno-cli print their steps (ZVENO_PHONE_TRACE) and each setup call's
# timeline is printed, merged, in ms from the caller's INVITE.
TRACE = os.environ.get("BENCH_CALL_TRACE") == "1"
TRACE_STEPS = [("caller", "nua nua_r_invite 407", "407"), ("callee", "nua nua_i_invite", "INVITE in"),
               ("callee", "call: answer", "answer"), ("callee", "call: 200 OK", "200 OK"),
               ("callee", "media: first buffer out of wavparse", "file read"),
               ("callee", "media: first buffer out of opusenc", "encoded"),
               ("callee", "media: first RTP out", "RTP out"), ("caller", "media: first RTP in", "RTP in")]


def trace_lines(text, who):
    out = []
    for line in text.splitlines():
        m = re.match(r"trace (\d+\.\d+) \d+ (.*)", line)
        if m:
            out.append((float(m.group(1)), who, m.group(2)))
    return out


def print_trace(caller_err, callee_err):
    lines = sorted(trace_lines(caller_err, "caller") + trace_lines(callee_err, "callee"))
    t0 = next((t for t, _, e in lines if e == "call: INVITE"), None)
    if t0 is None:
        return
    steps = []
    for who, prefix, label in TRACE_STEPS:
        hit = next((t for t, w, e in lines if w == who and e.startswith(prefix) and t >= t0), None)
        steps.append(f"{label} {(hit - t0) * 1000:.1f}" if hit is not None else f"{label} -")
    print("  trace: " + ", ".join(steps), flush=True)


def zveno_answerer(h, accounts, proxy, tone):
    bob = accounts["bob"]
    ans = h.phone("answer", bob, bob["password"], proxy, "--play", str(tone), "--record",
                  str(h.work / "zv-bob.wav"), env={"ZVENO_PHONE_TRACE": "1"} if TRACE else None)
    if ans.out.wait(r"^registered: ", 15) is None:
        raise ks.Failed("zveno-cli answer did not register\n" + ans.diag())
    return ans


def zveno_setup(h, accounts, proxy, tone, ans, i):
    """One Zveno call from alice to bob (answering in @ans): its setup_ms."""
    mark = len(ans.err.text())
    call = zveno_call(h, accounts["alice"], accounts["bob"], proxy, tone, 1, h.work / f"zv-setup-{i}.wav",
                      env={"ZVENO_PHONE_TRACE": "1"} if TRACE else None)
    rc = call.wait(30)
    m = re.search(r"setup_ms: ([\d.]+)", call.out.text())
    if rc != 0 or m is None:
        raise ks.Failed("Zveno call failed\n" + call.diag() + "\n" + ans.diag())
    if TRACE:
        time.sleep(0.2)
        print(f"  Zveno call {i}: setup_ms {m.group(1)}", flush=True)
        print_trace(call.err.text(), ans.err.text()[mark:])
    return float(m.group(1))


def baresip_pair(h, accounts, outbound):
    carol = pb.Baresip(h, "carol", accounts["carol"], outbound, "opus/48000/2", pb.BOB_HZ)
    dave = pb.Baresip(h, "dave", accounts["dave"], outbound, "opus/48000/2", pb.CAROL_HZ)
    for peer in (carol, dave):
        if peer.wait_registered() is None:
            raise ks.Failed(f"baresip {peer.name} did not register\n{peer.log()}")
    return carol, dave


def baresip_setup(events, target):
    """One baresip call from dave to carol: dial to CALL_RTPESTAB in ms."""
    t0 = time.monotonic()
    events.send("dial", target)
    _, t1 = events.wait(is_event("CALL_RTPESTAB"), 15)
    time.sleep(1)
    events.send("hangup")
    events.wait(is_event("CALL_CLOSED"), 15)
    time.sleep(0.3)
    return (t1 - t0) * 1000


def bench_setup(h, accounts, proxy, outbound, tone):
    """Call setup of both stacks, their calls taking turns, so that both see the same load from
    whatever else runs on the machine meanwhile (it moves the figures by several ms)."""
    ans = zveno_answerer(h, accounts, proxy, tone)
    carol, dave = baresip_pair(h, accounts, outbound)
    target = f"sip:{accounts['carol']['username']}@{accounts['carol']['domain']}"
    events = Events(dave)
    zv, bs, ctrl = [], [], []
    try:
        for i in range(SETUPS):
            zv.append(zveno_setup(h, accounts, proxy, tone, ans, i))
            time.sleep(0.3)
            bs.append(baresip_setup(events, target))
        # baresip's figure is timed from outside, over ctrl_tcp: a command in and its answer out
        # bound what that adds to it (Zveno's is timed inside, from its INVITE).
        for _ in range(SETUPS):
            t0 = time.monotonic()
            token = events.send("reginfo")
            events.wait(lambda m, token=token: m.get("response") and m.get("token") == token, 5)
            ctrl.append((time.monotonic() - t0) * 1000)
    finally:
        events.close()
    return ans, (carol, dave), zv, bs, statistics.median(ctrl)


def bench_zveno(h, accounts, proxy, tone, ans):
    alice, bob = accounts["alice"], accounts["bob"]
    out = {}

    # Steady state: one long call; CPU and RSS of both zveno-cli processes.
    call = zveno_call(h, alice, bob, proxy, tone, int(WARMUP_SECONDS + STEADY_SECONDS + 3),
                      h.work / "zv-long.wav")
    if call.out.wait(r"^answered: ", 15) is None:
        raise ks.Failed("Zveno long call not answered\n" + call.diag())
    time.sleep(WARMUP_SECONDS)
    pids = [call.popen.pid, ans.popen.pid]
    half = STEADY_SECONDS / 2
    first = cpu_percent(pids, half)
    out["rss_kb"] = [rss_kb(p) for p in pids]
    second = cpu_percent(pids, STEADY_SECONDS - half)
    out["cpu"] = [(a + b) / 2 for a, b in zip(first, second)]
    call.wait(30)
    out["codec"] = (re.search(r"codec: (\S+)", call.out.text()) or [None, "?"])[1]
    share, _ = ps.tone_power(h.work / "zv-long.wav", pb.ZVENO_HZ) if (h.work / "zv-long.wav").exists() else (0, 0)
    out["tone_share"] = share
    ans.stop()

    # The same call with echo cancellation, noise suppression and gain control (webrtcdsp) on both
    # sides: --dsp, the played file standing in for the microphone, the recording for the speaker.
    ans = h.phone("answer", bob, bob["password"], proxy, "--dsp", "--play", str(tone), "--record",
                  str(h.work / "zv-bob-dsp.wav"))
    if ans.out.wait(r"^registered: ", 15) is None:
        raise ks.Failed("zveno-cli answer --dsp did not register\n" + ans.diag())
    call = zveno_call(h, alice, bob, proxy, tone, int(WARMUP_SECONDS + STEADY_SECONDS + 3),
                      h.work / "zv-long-dsp.wav", extra=("--dsp",))
    if call.out.wait(r"^answered: ", 15) is None:
        raise ks.Failed("Zveno call with --dsp not answered\n" + call.diag())
    time.sleep(WARMUP_SECONDS)
    pids = [call.popen.pid, ans.popen.pid]
    out["cpu_dsp"] = cpu_percent(pids, STEADY_SECONDS)
    call.wait(30)
    ans.stop()

    return out


def ulaw_peak(payload):
    peak = 0
    for byte in payload:
        u = ~byte & 0xFF
        magnitude = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
        peak = max(peak, magnitude - 0x84)
    return peak


def click_times(strace_log):
    """Wall times of the RTP packets (PCMU) where a click starts, from `strace -ttt -xx`."""
    times = []
    quiet = 0
    for line in Path(strace_log).read_text(errors="replace").splitlines():
        # sendto(fd, "DATA", ...) from baresip; sendmsg/sendmmsg(... iov_base="DATA" ...) from GStreamer.
        # GStreamer sends the RTP header and the payload as two iovecs of one message.
        m = re.match(r"(?:\d+\s+)?(\d+\.\d+) send(?:m+sg|to)\(", line)
        if not m:
            continue
        parts = re.findall(r"iov_base=\"((?:\\x[0-9a-f]{2})+)\"", line)
        if not parts:
            first = re.match(r"(?:\d+\s+)?\d+\.\d+ sendto\(\d+, \"((?:\\x[0-9a-f]{2})+)\"", line)
            parts = [first.group(1)] if first else []
        data = bytes.fromhex("".join(parts).replace("\\x", ""))
        if len(data) < 12 + 80 or data[0] & 0xC0 != 0x80 or data[1] & 0x7F != 0:
            continue
        if ulaw_peak(data[12:]) > 8000:
            if quiet >= 10:
                times.append(float(m.group(1)))
            quiet = 0
        else:
            quiet += 1
    return times


def strace(h, pid, name):
    log = h.work / f"strace-{name}.log"
    proc = h.start(f"strace-{name}", ["strace", "-f", "-ttt", "-xx", "-s", "200", "-e",
                                      "trace=sendto,sendmsg,sendmmsg", "-o", str(log), "-p", str(pid)])
    time.sleep(0.5)
    return proc, log


def bench_latency(h, accounts, outbound, proxy):
    """baresip sends clicks (PCMU, aufile) to Zveno answering with --echo; strace times the packet
    carrying each click leaving baresip and Zveno sending it back out."""
    bob = accounts["bob"]
    clicks = h.work / "clicks.wav"
    rate = 48000
    frames = bytearray()
    for i in range(rate * 10):
        t = i / rate
        x = int(20000 * __import__("math").sin(2 * 3.141592653589793 * 1000 * t)) \
            if t >= 1.5 and (t - 1.5) % 1.0 < 0.02 else 0
        frames += x.to_bytes(2, "little", signed=True) * 2
    import wave
    with wave.open(str(clicks), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    erin = pb.Baresip(h, "erin", accounts["erin"], outbound, "PCMU", 0, source=f"aufile,{clicks}")
    if erin.wait_registered() is None:
        raise ks.Failed(f"baresip erin did not register\n{erin.log()}")
    echo = h.phone("answer", bob, bob["password"], proxy, "--echo", "--count", "1")
    if echo.out.wait(r"^registered: ", 15) is None:
        raise ks.Failed("zveno-cli answer --echo did not register\n" + echo.diag())
    tracers = [strace(h, erin.proc.popen.pid, "baresip"), strace(h, echo.popen.pid, "zveno")]
    events = Events(erin)
    try:
        events.send("dial", f"sip:{bob['username']}@{bob['domain']}")
        events.wait(is_event("CALL_ESTABLISHED"), 15)
        time.sleep(10)
        events.send("hangup")
        events.wait(is_event("CALL_CLOSED"), 15)
    finally:
        events.close()
    echo.wait(10)
    for proc, _ in tracers:
        proc.stop()
    sent = click_times(tracers[0][1])
    back = click_times(tracers[1][1])
    latencies = []
    for t in sent:
        later = [b for b in back if b > t]
        # A click whose echo was lost must not pair with the next one (a second later).
        if later and later[0] - t < 0.2:
            latencies.append((later[0] - t) * 1000)
    return {"latency": latencies, "clicks_sent": len(sent), "clicks_back": len(back)}


def bench_baresip(h, accounts, pair):
    carol, dave = pair
    target = f"sip:{accounts['carol']['username']}@{accounts['carol']['domain']}"
    out = {}
    events = Events(dave)
    try:
        events.send("dial", target)
        events.wait(is_event("CALL_ESTABLISHED"), 15)
        time.sleep(WARMUP_SECONDS)
        pids = [dave.proc.popen.pid, carol.proc.popen.pid]
        half = STEADY_SECONDS / 2
        first = cpu_percent(pids, half)
        out["rss_kb"] = [rss_kb(p) for p in pids]
        second = cpu_percent(pids, STEADY_SECONDS - half)
        out["cpu"] = [(a + b) / 2 for a, b in zip(first, second)]
        events.send("hangup")
        events.wait(is_event("CALL_CLOSED"), 15)
    finally:
        events.close()
    return out


def emit(figure, value, unit, anchor_value=None, aim=None, met=None, anchor="baresip"):
    """One figure to $ZVENO_BENCH_OUT (bench_out.py) and back for the printed report."""
    bench_out.emit("call", figure, value, unit, COMMAND, anchor=anchor if anchor_value else None,
                   anchor_value=anchor_value, aim=aim, met=met)
    record = {"figure": figure, "value": round(value, 2), "unit": unit}
    if anchor_value:
        record.update(ratio=round(value / anchor_value, 2), aim=aim, met=met)
    return record


def report(zv, bs):
    lines = []
    z_setup, b_setup = statistics.median(zv["setup"]), statistics.median(bs["setup"])
    z_cpu, b_cpu = statistics.mean(zv["cpu"]), statistics.mean(bs["cpu"])
    z_rss, b_rss = statistics.mean(zv["rss_kb"]) / 1024, statistics.mean(bs["rss_kb"]) / 1024
    records = [
        emit("call setup (INVITE to first RTP)", z_setup, "ms", b_setup, "<= 1.5x", z_setup <= 1.5 * b_setup),
        emit("CPU per call (echo cancellation off)", z_cpu, "% of a core", b_cpu, "<= 1.5x", z_cpu <= 1.5 * b_cpu),
        emit("RSS during a call", z_rss, "MB", b_rss),
    ]
    if zv.get("cpu_dsp"):
        z_dsp = statistics.mean(zv["cpu_dsp"])
        # Reported against baresip without any DSP (baresip has no webrtcdsp here): the cost of it.
        records.append(emit("CPU per call (echo cancellation on)", z_dsp, "% of a core", b_cpu))
    if zv["latency"]:
        lat = statistics.median(zv["latency"])
        # The anchor is the aim itself: the jitter buffer (40 ms) + 10 ms.
        records.append(emit("one-way audio latency into Zveno (click to its output)", lat, "ms",
                            JITTER_BUFFER_MS + 10, "<= 1x", lat <= JITTER_BUFFER_MS + 10,
                            anchor="jitter buffer + 10 ms"))
    lines.append(f"Zveno vs baresip, Opus 48 kHz 20 ms through Kamailio on loopback (codec {zv['codec']})")
    lines.append(f"  call setup   Zveno {z_setup:.1f} ms (calls: {', '.join(f'{x:.1f}' for x in zv['setup'])})")
    lines.append(f"               baresip {b_setup:.1f} ms (calls: {', '.join(f'{x:.1f}' for x in bs['setup'])}); "
                 f"its ctrl_tcp round trip {bs['ctrl_rtt']:.2f} ms (in its figure, not in Zveno's)")
    lines.append(f"  CPU per UA   Zveno {z_cpu:.2f} % (caller {zv['cpu'][0]:.2f}, callee {zv['cpu'][1]:.2f}); "
                 f"baresip {b_cpu:.2f} % (caller {bs['cpu'][0]:.2f}, callee {bs['cpu'][1]:.2f})")
    if zv.get("cpu_dsp"):
        lines.append(f"  CPU per UA with --dsp (webrtcdsp: echo cancellation, noise suppression, gain control) "
                     f"Zveno {statistics.mean(zv['cpu_dsp']):.2f} % (caller {zv['cpu_dsp'][0]:.2f}, callee {zv['cpu_dsp'][1]:.2f})")
    lines.append(f"  RSS per UA   Zveno {z_rss:.1f} MB; baresip {b_rss:.1f} MB")
    if zv["latency"]:
        lines.append(f"  latency      click sent by baresip to echoed by Zveno: median {statistics.median(zv['latency']):.1f} ms, "
                     f"max {max(zv['latency']):.1f} ms over {len(zv['latency'])} clicks "
                     f"({zv['clicks_sent']} sent, {zv['clicks_back']} echoed); jitter buffer {JITTER_BUFFER_MS:.0f} ms")
    else:
        lines.append(f"  latency      no click matched ({zv.get('clicks_sent')} sent, {zv.get('clicks_back')} echoed)")
    lines.append(f"  Zveno's recording of the far end's tone: {zv['tone_share']:.2f} of its power")
    for r in records:
        extra = (f", ratio {r['ratio']}" + (f" (aim {r['aim']}: {'met' if r['met'] else 'missed'})" if r.get("aim") else "")
                 if "ratio" in r else "")
        lines.append(f"  {r['figure']}: {r['value']} {r['unit']}{extra}")
    print("\n".join(lines), flush=True)


def main():
    if len(sys.argv) != 2:
        print("usage: bench-call.py BUILD_DIR", file=sys.stderr)
        return 2
    build = Path(sys.argv[1]).resolve()
    server = build / "src" / "server" / "zveno-server"
    args = type("Args", (), {"source_root": str(ROOT), "build_root": str(build)})

    def on_signal(signum, _frame):
        raise SystemExit(f"stopped by signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    with tempfile.TemporaryDirectory(prefix="bench-call-", dir=os.environ.get("ZVENO_TEST_TMPDIR")) as workdir:
        h = ps.Harness(args, workdir)
        try:
            db_path, sip_port, accounts = pb.provision(h, server, ("alice", "bob", "carol", "dave", "erin"))
            _, kamailio = h.start_kamailio(db_path, accounts["alice"]["domain"], port=sip_port)
            tone = h.work / "tone.wav"
            ps.write_tone(tone, pb.ZVENO_HZ, WARMUP_SECONDS + STEADY_SECONDS + 20)
            proxy = f"sip:{LOOPBACK}:{sip_port};transport=udp"
            outbound = f"sip:{LOOPBACK}:{sip_port}"
            ans, pair, zv_setups, bs_setups, ctrl_rtt = bench_setup(h, accounts, proxy, outbound, tone)
            if os.environ.get("BENCH_CALL_ONLY") == "setup":
                print(f"call setup: Zveno {statistics.median(zv_setups):.1f} ms ({', '.join(f'{x:.1f}' for x in zv_setups)}); "
                      f"baresip {statistics.median(bs_setups):.1f} ms ({', '.join(f'{x:.1f}' for x in bs_setups)}); "
                      f"ratio {statistics.median(zv_setups) / statistics.median(bs_setups):.2f}; "
                      f"ctrl_tcp round trip {ctrl_rtt:.2f} ms", flush=True)
                return 0
            zv = bench_zveno(h, accounts, proxy, tone, ans)
            zv["setup"] = zv_setups
            bs = bench_baresip(h, accounts, pair)
            bs["setup"] = bs_setups
            bs["ctrl_rtt"] = ctrl_rtt
            zv.update(bench_latency(h, accounts, f"sip:{LOOPBACK}:{sip_port}", proxy))
            report(zv, bs)
            return 0
        except ks.Failed as e:
            print(f"bench-call: {e}", file=sys.stderr)
            return 1
        finally:
            h.stop_all()


if __name__ == "__main__":
    sys.exit(main())
