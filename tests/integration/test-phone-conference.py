#!/usr/bin/python3
"""A local three-way conference (issue 6) through Kamailio on loopback, all three phones Zveno's.

alice (`zveno-cli call sip:bob --add sip:carol --merge-after 3`) plays a 440 Hz tone; bob and carol
(`zveno-cli answer`) each play their own tone (700 Hz, 1000 Hz) and record what they hear. alice
calls bob, then carol, and merges the two calls 3 s after carol answers. Goertzel on the
recordings:
  - before the merge bob hears alice only (no carol tone), after it alice and carol;
  - carol likewise hears alice only before the merge, then alice and bob;
so the test fails if the merge does nothing or if the calls leak into each other before it.

Then what follows a merge, each with fresh answering phones (the recordings read in 250 ms blocks):
  - bob hangs up during the conference: alice's call with carol goes on as an ordinary call
    (carol keeps hearing alice, no more bob) and alice's phone ends cleanly;
  - `--split-after`: after the split bob and carol hear alice only again;
  - `--hold-merged-after` / `--resume-after`: while alice holds the conference neither far end
    hears anything; after the resume both hear alice and the other again.
Output is TAP; every process runs in its own session and is killed at the end.
"""

import math
import os
import re
import struct
import sys
import time
import wave
from pathlib import Path

import zvphone  # noqa: E402

HERE = Path(__file__).resolve().parent
pm = zvphone.load("phone_media", "test-phone-media.py")
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


def check(who, other, path, before_end):
    """@who's recording: alice only until @before_end s, then alice and @other too. Judged in
    250 ms blocks: one long Goertzel window is phase-coherent, so a single gap of 100 ms (a
    scheduling stall on a loaded machine) can cancel half of it against the other half although
    the tone is there all along; per block such a gap costs one block."""
    if not path.exists():
        tap.ok(False, f"{who} recorded the call", str(path))
        return
    bl = blocks(path, other)
    timeline(who, other, bl)
    early = bl[int(0.5 / BLOCK):int(before_end / BLOCK)]
    # The mix must start within MIX_START s of the merge (the legs are rewired then) and hold from
    # there. Under ASan+UBSan on a loaded 2-core machine the rewiring took up to ~2.5 s; a person
    # would call that slow, the main suite allows 2 s, the sanitizer pass (which is about memory
    # errors) 4 s.
    after = bl[int(before_end / BLOCK):-int(0.5 / BLOCK)]
    first = next((i for i, (a, o, _) in enumerate(after) if a > 0.15 and o > 0.15), None)
    start_s = first * BLOCK if first is not None else None
    late = after[first:] if first is not None and start_s <= MIX_START else []
    alone = sum(1 for a, o, _ in early if a > 0.5 and o < 0.02)
    both = sum(1 for a, o, _ in late if a > 0.15 and o > 0.15)
    leak = max((o for _, o, _ in early), default=1.0)
    tap.diag(f"{who}: {len(bl) * BLOCK:.1f} s recorded; before the merge {alone}/{len(early)} blocks alice alone "
             f"({other} at most {leak:.3f}); after it {both}/{len(late)} blocks alice and {other}")
    tap.ok(early and alone >= 0.9 * len(early) and leak < 0.02,
           f"before the merge {who} hears alice and not {other} ({alone}/{len(early)} blocks, {other} at most {leak:.3f})")
    # 80 %: under ASan on a loaded 2-core CI machine 15 of 17 blocks held both tones (one glitch costs a
    # block or two); a conference that does not mix gives none.
    tap.ok(late and len(late) >= 8 and both >= 0.8 * len(late),
           f"after the merge {who} hears alice and {other} within {MIX_START:.0f} s "
           f"(from {start_s} s: {both}/{len(late)} blocks)")


BLOCK = 0.25
MIX_START = 4.0 if os.environ.get("ASAN_OPTIONS") else 2.0


def blocks(path, other):
    """@path's recording as 250 ms blocks, each (alice's share, @other's share, RMS)."""
    rate, samples = read_wav(path) if path.exists() else (0, [])
    n = int(rate * BLOCK)
    out = []
    for start in range(0, len(samples) - n + 1, n if n else 1):
        block = samples[start:start + n]
        rms = math.sqrt(sum(x * x for x in block) / n)
        out.append((share(block, rate, TONES["alice"]), share(block, rate, TONES[other]), rms))
    return out


def timeline(who, other, bl):
    """One character a block: A alice only, M alice and @other, O @other only, . silence, ? else."""
    def mark(a, o, rms):
        if rms < 100:
            return "."
        if a > 0.15 and o > 0.15:
            return "M"
        if a > 0.5 and o < 0.02:
            return "A"
        if o > 0.5 and a < 0.02:
            return "O"
        return "?"
    line = "".join(mark(*b) for b in bl)
    tap.diag(f"{who} heard ({BLOCK} s a block, M = alice and {other}): {line}")
    return line


class Conference:
    """alice's phone calling bob and carol, who answer with their tones and record; @extra are
    alice's further options."""

    def __init__(self, h, setup, name, duration, extra):
        self.h, self.setup, self.name = h, setup, name
        accounts, proxy, tones = setup["accounts"], setup["proxy"], setup["tones"]
        domain = accounts["alice"]["domain"]
        self.records, self.phones = {}, {}
        self.ok = True
        for who in ("bob", "carol"):
            self.records[who] = h.work / f"{name}-heard-by-{who}.wav"
            self.phones[who] = h.phone("answer", accounts[who], accounts[who]["password"], proxy, "--count", "1",
                                       "--play", str(tones[who]), "--record", str(self.records[who]))
            reg = self.phones[who].out.wait(r"^registered: ", 15)
            tap.ok(reg is not None, f"{name}: {who}'s phone registers", self.phones[who].diag())
            self.ok = self.ok and reg is not None
        if not self.ok:
            return
        alice = accounts["alice"]
        self.call = h.phone("call", alice, alice["password"], proxy, f"sip:{accounts['bob']['username']}@{domain}",
                            "--add", f"sip:{accounts['carol']['username']}@{domain}", "--duration", str(duration),
                            "--play", str(tones["alice"]), *extra)
        self.duration = duration

    def finish(self):
        rc = self.call.wait(self.duration + 20)
        for who in ("bob", "carol"):
            self.phones[who].wait(10)
        return rc, self.call.out.text()


def run_merge(h, setup):
    c = Conference(h, setup, "merge", DURATION, ["--merge-after", str(MERGE_AFTER)])
    if not c.ok:
        return
    rc, out = c.finish()
    tap.ok(rc == 0 and out.count("answered:") == 2 and "conference: merged" in out,
           f"alice's two calls are answered and merged (exit {rc})", c.call.diag())
    # bob answered about 0.4 s before carol; the merge comes MERGE_AFTER s after carol's answer.
    check("bob", "carol", c.records["bob"], MERGE_AFTER)
    check("carol", "bob", c.records["carol"], MERGE_AFTER - 0.5)


def run_hangup(h, setup):
    """bob leaves 2.5 s after the merge; carol's call goes on for about 5 s more."""
    c = Conference(h, setup, "hangup", 11, ["--merge-after", "2"])
    if not c.ok:
        return
    merged = c.call.out.wait(r"^conference: merged", 15)
    if merged is not None:
        time.sleep(2.5)
        c.phones["bob"].stop()  # SIGTERM: bob's phone hangs up (BYE) and exits
    rc, out = c.finish()
    tap.ok(merged is not None and rc == 0 and "conference: split" in out and out.count("ended: ") == 2,
           f"hangup: bob leaving splits the conference, alice's phone ends both calls cleanly (exit {rc})",
           c.call.diag())
    line = timeline("carol", "bob", blocks(c.records["carol"], "bob"))
    merged_at = line.find("MMMM")
    tail = line.rstrip(".?")[-12:]
    tap.ok(merged_at >= 0 and len(line) - merged_at > 24 and tail.count("A") >= 11,
           "hangup: carol heard bob while merged, then alice alone for the rest of her call "
           f"(last 3 s: {tail})")


def run_split(h, setup):
    c = Conference(h, setup, "split", 10, ["--merge-after", "2", "--split-after", "3"])
    if not c.ok:
        return
    rc, out = c.finish()
    tap.ok(rc == 0 and out.index("conference: merged") < out.index("conference: split") if
           "conference: split" in out and "conference: merged" in out else False,
           f"split: merged, then split (exit {rc})", c.call.diag())
    for who, other in (("bob", "carol"), ("carol", "bob")):
        line = timeline(who, other, blocks(c.records[who], other))
        merged_at = line.find("MMMM")
        after = line[merged_at:].find("AAAA") + merged_at if merged_at >= 0 and "AAAA" in line[merged_at:] else -1
        tail = line.rstrip(".?")[-10:]
        tap.ok(merged_at >= 0 and after > merged_at and "M" not in line[after:] and tail.count("A") >= 9,
               f"split: {who} heard {other} while merged, then alice alone again ({line[merged_at:]})")


def run_hold(h, setup):
    """Merged at ~3 s, held at ~5 s for 3 s, resumed until 13 s. A held call sends nothing (not
    even silence), so what the far ends record is the call less the hold."""
    hold_s = 3
    c = Conference(h, setup, "hold", 13, ["--merge-after", "2", "--hold-merged-after", "2",
                                          "--resume-after", str(hold_s)])
    if not c.ok:
        return
    rc, out = c.finish()
    on = [int(n) for n in re.findall(r"^hold: on packets_sent=(\d+)", out, re.M)]
    off = [int(n) for n in re.findall(r"^hold: off packets_sent=(\d+)", out, re.M)]
    merged_to_end = out.find("conference: split") > out.rfind("hold: off")
    # "hold: on" is printed when the re-INVITE is answered; one 20 ms packet already past the valve
    # then may still be counted (seen once under ASan: 293 -> 294). More than one is a leak.
    tap.ok(rc == 0 and len(on) == 2 and len(off) == 2 and all(0 <= b - a <= 1 for a, b in zip(on, off))
           and merged_to_end,
           f"hold: alice held both calls and sent them nothing while held (packets {on} -> {off}), "
           f"resumed, still merged (exit {rc})", c.call.diag())
    for who, other in (("bob", "carol"), ("carol", "bob")):
        line = timeline(who, other, blocks(c.records[who], other))
        rate, samples = read_wav(c.records[who]) if c.records[who].exists() else (1, [])
        m = re.search(r"^duration_s: ([\d.]+)", c.phones[who].out.text(), re.M)
        call_s = float(m.group(1)) if m else 0.0
        missing = call_s - len(samples) / rate
        tail = line.rstrip(".?")[-8:]
        tap.ok(line.find("MMMM") >= 0 and missing > hold_s - 0.6 and tail.count("M") >= 7,
               f"hold: {who} heard the conference, nothing for {missing:.1f} s of a {call_s:.1f} s call "
               f"(held {hold_s} s), then alice and {other} again ({tail})")


def run(h, server):
    db_path, sip_port, accounts = pm.provision(h, server, ("alice", "bob", "carol"))
    domain = accounts["alice"]["domain"]
    proxy = f"sip:{ks.LOOPBACK}:{sip_port};transport=udp"
    _, kamailio = h.start_kamailio(db_path, domain, port=sip_port)

    tones = {}
    for who, freq in TONES.items():
        tones[who] = h.work / f"tone-{who}.wav"
        ps.write_tone(tones[who], freq, 20)
    setup = {"accounts": accounts, "proxy": proxy, "tones": tones}
    for scenario in (run_merge, run_hangup, run_split, run_hold):
        scenario(h, setup)
    tap.ok(kamailio.alive(), "Kamailio still running", kamailio.tail())


def main():
    return zvphone.main(run, "phone-conference-")


if __name__ == "__main__":
    sys.exit(main())
