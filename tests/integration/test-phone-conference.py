#!/usr/bin/python3
"""A local three-way conference (issue 6) through Kamailio on loopback, all three phones Zveno's.

alice (`zveno-cli call sip:bob --add sip:carol --merge-after 3`) plays a 440 Hz tone; bob and carol
(`zveno-cli answer`) each play their own tone (700 Hz, 1000 Hz) and record what they hear. alice
calls bob, then carol, and merges the two calls 3 s after carol answers. Goertzel on the
recordings:
  - before the merge bob hears alice only (no carol tone), after it alice and carol;
  - carol likewise hears alice only before the merge, then alice and bob;
so the test fails if the merge does nothing or if the calls leak into each other before it.
Output is TAP; every process runs in its own session and is killed at the end.
"""

import importlib.util
import math
import os
import signal
import struct
import sys
import tempfile
import wave
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("phone_media", HERE / "test-phone-media.py")
pm = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pm)
ps = pm.ps
ks = pm.ks
tap = pm.tap

TONES = {"alice": 440, "bob": 700, "carol": 1000}
MERGE_AFTER = 3
DURATION = 9


def read_wav(path):
    with wave.open(str(path), "rb") as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        raw = w.readframes(w.getnframes())
    if width != 2 or not raw:
        return rate, []
    return rate, struct.unpack(f"<{len(raw) // 2}h", raw)[::channels]


def share(samples, rate, freq):
    """Share of the power of @samples at @freq (Goertzel), 0 for too few samples."""
    if len(samples) < rate // 10:
        return 0.0
    k = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = total = 0.0
    for x in samples:
        s0 = x + k * s1 - s2
        s2, s1 = s1, s0
        total += x * x
    power = s1 * s1 + s2 * s2 - k * s1 * s2
    return 2 * power / (len(samples) * total) if total > 0 else 0.0


def window(samples, rate, start, end):
    return samples[int(start * rate):int(end * rate)]


def check(who, other, path, before_end):
    """@who's recording: alice only until @before_end s, then alice and @other too."""
    if not path.exists():
        tap.ok(False, f"{who} recorded the call", str(path))
        return
    rate, samples = read_wav(path)
    seconds = len(samples) / rate if rate else 0
    early = window(samples, rate, 0.5, before_end)
    late = window(samples, rate, before_end + 1.5, seconds - 0.5)
    a_early, o_early = share(early, rate, TONES["alice"]), share(early, rate, TONES[other])
    a_late, o_late = share(late, rate, TONES["alice"]), share(late, rate, TONES[other])
    tap.diag(f"{who}: {seconds:.1f} s recorded; before the merge alice {a_early:.2f} {other} {o_early:.3f}; "
             f"after alice {a_late:.2f} {other} {o_late:.2f}")
    tap.ok(a_early > 0.5 and o_early < 0.02,
           f"before the merge {who} hears alice ({a_early:.2f} of the power) and not {other} ({o_early:.3f})")
    tap.ok(a_late > 0.15 and o_late > 0.15,
           f"after the merge {who} hears alice ({a_late:.2f}) and {other} ({o_late:.2f})")


def run(h, server):
    db_path, sip_port, accounts = pm.provision(h, server, ("alice", "bob", "carol"))
    domain = accounts["alice"]["domain"]
    proxy = f"sip:{ks.LOOPBACK}:{sip_port};transport=udp"
    _, kamailio = h.start_kamailio(db_path, domain, port=sip_port)

    tones, records, phones = {}, {}, {}
    for who, freq in TONES.items():
        tones[who] = h.work / f"tone-{who}.wav"
        ps.write_tone(tones[who], freq, DURATION + 6)
    for who in ("bob", "carol"):
        records[who] = h.work / f"heard-by-{who}.wav"
        phones[who] = h.phone("answer", accounts[who], accounts[who]["password"], proxy, "--count", "1",
                              "--play", str(tones[who]), "--record", str(records[who]))
        reg = phones[who].out.wait(r"^registered: ", 15)
        tap.ok(reg is not None, f"{who}'s phone registers", phones[who].diag())
        if reg is None:
            return

    alice = accounts["alice"]
    call = h.phone("call", alice, alice["password"], proxy, f"sip:{accounts['bob']['username']}@{domain}",
                   "--add", f"sip:{accounts['carol']['username']}@{domain}",
                   "--merge-after", str(MERGE_AFTER), "--duration", str(DURATION), "--play", str(tones["alice"]))
    rc = call.wait(DURATION + 20)
    out = call.out.text()
    tap.ok(rc == 0 and out.count("answered:") == 2 and "conference: merged" in out,
           f"alice's two calls are answered and merged (exit {rc})", call.diag())
    for who in ("bob", "carol"):
        phones[who].wait(10)
    # bob answered about 0.4 s before carol; the merge comes MERGE_AFTER s after carol's answer.
    check("bob", "carol", records["bob"], MERGE_AFTER)
    check("carol", "bob", records["carol"], MERGE_AFTER - 0.5)
    tap.ok(kamailio.alive(), "Kamailio still running", kamailio.tail())


def main():
    build = Path(os.environ.get("ZVENO_BUILD_ROOT", "build"))
    server = build / "src" / "server" / "zveno-server"
    args = type("Args", (), {"source_root": os.environ.get("ZVENO_SOURCE_ROOT", str(HERE.parents[1])),
                             "build_root": str(build)})

    def on_signal(signum, _frame):
        raise SystemExit(f"stopped by signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    with tempfile.TemporaryDirectory(prefix="phone-conference-", dir=os.environ.get("ZVENO_TEST_TMPDIR")) as workdir:
        h = ps.Harness(args, workdir)
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


if __name__ == "__main__":
    sys.exit(main())
