#!/usr/bin/python3
"""Codec choice (zveno-cli --codecs) through Kamailio on loopback, with the tone checked both ways.

zveno-server provisions bob (the caller), alice, carol, erin (Zveno answerers) and dave (a baresip,
a SIP phone nobody here wrote); Kamailio reads the server's database (test-phone-baresip.py's
helpers). Each call carries one tone per direction (Goertzel), so that an echo or a crossed stream
cannot pass:
  - bob `call --codecs G722` -> alice (all codecs): both print `codec: G722`, alice's recording
    holds bob's 1200 Hz and bob's holds alice's 700 Hz;
  - bob `call --codecs PCMA` -> carol, the same with PCMA;
  - bob `call --codecs PCMU` -> erin `answer --codecs opus`: 488, and bob ends with
    `ended: not-acceptable` and a message naming both lists ("no common audio format");
  - bob `call --codecs G722` -> baresip dave (g722 module loaded, audio_codecs G722 alone): G722 agreed, dave's
    recording holds bob's tone and bob's holds dave's sine. If baresip has no G.722 codec the check
    is skipped with the reason.
Output is TAP; every process runs in its own session and is killed at the end.
"""

import re
import sys
import time
from pathlib import Path

import zvphone  # noqa: E402

HERE = Path(__file__).resolve().parent
pb = zvphone.load("phone_baresip", "test-phone-baresip.py")
ps = pb.ps
ks = pb.ks
tap = pb.tap
LOOPBACK = pb.LOOPBACK

BOB_HZ = 1200
ANSWER_HZ = 700
DAVE_HZ = 900
CALL_SECONDS = 3


def skip(desc, reason):
    tap.n += 1
    print(f"ok {tap.n} - {desc} # SKIP {reason}", flush=True)


def codec_of(out):
    m = re.search(r"^codec: (\S+)", out, re.MULTILINE)
    return m.group(1) if m else "?"


def zveno_pair(h, bob, callee, proxy, caller_codecs, answer_codecs, codec, tones):
    """bob calls @callee (a Zveno answerer) offering @caller_codecs; both must agree on @codec and
    hear each other's tone."""
    name = callee["username"]
    heard_by_callee = h.work / f"{name}-heard.wav"
    heard_by_bob = h.work / f"bob-heard-from-{name}.wav"
    extra = ["--codecs", answer_codecs] if answer_codecs else []
    ans = h.phone("answer", callee, callee["password"], proxy, "--count", "1",
                  "--play", str(tones[ANSWER_HZ]), "--record", str(heard_by_callee), *extra)
    tap.ok(ans.out.wait(r"^registered: ", 15) is not None, f"{name} registers (answer {' '.join(extra) or 'with all codecs'})",
           ans.diag())
    call = h.phone("call", bob, bob["password"], proxy, f"sip:{name}@{callee['domain']}",
                   "--codecs", caller_codecs, "--duration", str(CALL_SECONDS),
                   "--play", str(tones[BOB_HZ]), "--record", str(heard_by_bob))
    rc = call.wait(CALL_SECONDS + 25)
    arc = ans.wait(15)
    out, aout = call.out.text(), ans.out.text()
    diag = call.diag() + "\n" + ans.diag()
    tap.ok(rc == 0 and arc == 0 and "answered:" in out and "ended: hangup" in out,
           f"bob --codecs {caller_codecs} -> {name}: answered and hung up (exit {rc}, {arc})", diag)
    tap.ok(codec_of(out) == codec and codec_of(aout) == codec,
           f"bob -> {name}: codec {codec_of(out)} on the caller, {codec_of(aout)} on the answerer "
           f"({codec} expected)", diag)
    setup = re.search(r"setup_ms: ([\d.]+)", out)
    tap.diag(f"{codec}: INVITE to first RTP {setup.group(1) if setup else '?'} ms")
    pb.check_tones(f"{codec}: {name}'s recording holds bob's tone", heard_by_callee, BOB_HZ, ANSWER_HZ, diag)
    pb.check_tones(f"{codec}: bob's recording holds {name}'s tone", heard_by_bob, ANSWER_HZ, BOB_HZ, diag)


def no_common_codec(h, bob, callee, proxy):
    name = callee["username"]
    ans = h.phone("answer", callee, callee["password"], proxy, "--count", "1", "--codecs", "opus")
    tap.ok(ans.out.wait(r"^registered: ", 15) is not None, f"{name} registers (answer --codecs opus)",
           ans.diag())
    call = h.phone("call", bob, bob["password"], proxy, f"sip:{name}@{callee['domain']}",
                   "--codecs", "PCMU", "--duration", str(CALL_SECONDS))
    rc = call.wait(20)
    out = call.out.text()
    diag = call.diag() + "\n" + ans.diag()
    ended = re.search(r"^ended: (\S+?): (.*)$", out, re.MULTILINE)
    tap.ok(rc == 1 and ended is not None and ended.group(1) == "not-acceptable"
           and "488" in ended.group(2),
           f"PCMU offered to an opus-only answerer: refused with 488 (exit {rc}): "
           f"{ended.group(0) if ended else '?'}", diag)
    tap.ok(ended is not None and "no common audio format" in ended.group(2)
           and "offered PCMU" in ended.group(2) and "accepted opus" in ended.group(2),
           "the caller's message names what was offered and what the answerer accepts", diag)
    tap.ok("incoming:" not in ans.out.text() and ans.popen.poll() is None,
           "the answerer never rang and is still waiting", diag)
    ans.stop()


def baresip_g722(h, bob, dave, proxy, tones):
    before = dave.recordings()
    heard = h.work / "bob-heard-from-dave.wav"
    call = h.phone("call", bob, bob["password"], proxy, dave.aor, "--codecs", "G722",
                   "--duration", str(CALL_SECONDS), "--play", str(tones[BOB_HZ]), "--record", str(heard))
    rc = call.wait(CALL_SECONDS + 25)
    out = call.out.text()
    diag = call.diag() + "\nbaresip:\n" + "\n".join(dave.log().splitlines()[-30:])
    tap.ok(rc == 0 and "answered:" in out and "ended: hangup" in out,
           f"bob --codecs G722 -> baresip dave: answered and hung up (exit {rc})", diag)
    tap.ok(codec_of(out) == "G722", f"bob -> baresip: the codec is {codec_of(out)} (G722 expected)", diag)
    # baresip closes its recordings when the call ends; give it a moment after our BYE.
    dave.wait_log(r"terminated|closed|Connection reset|BYE", 5)
    time.sleep(0.5)
    pb.check_tones("G722 with baresip: bob's recording holds dave's sine", heard, DAVE_HZ, BOB_HZ, diag)
    pb.check_tones("G722 with baresip: dave's recording holds bob's tone", dave.newest(before, "dec"),
                   BOB_HZ, DAVE_HZ, diag)


def run(h, server):
    db_path, sip_port, accounts = pb.provision(h, server, ("alice", "bob", "carol", "dave", "erin"))
    bob = accounts["bob"]
    domain = bob["domain"]
    _, kamailio = h.start_kamailio(db_path, domain, port=sip_port)
    tap.ok(True, f"zveno-server provisioned five users; Kamailio up on {LOOPBACK}:{sip_port}")
    proxy = f"sip:{LOOPBACK}:{sip_port};transport=udp"

    bad = h.phone("call", bob, bob["password"], proxy, f"sip:alice@{domain}", "--codecs", "G729")
    rc = bad.wait(10)
    tap.ok(rc == 1 and "G729" in bad.err.text() and "calling:" not in bad.out.text(),
           f"an unknown codec name is refused before anything is sent (exit {rc})", bad.diag())

    # baresip starts now: it registers while the Zveno calls run.
    dave = pb.Baresip(h, "dave", accounts["dave"], f"sip:{LOOPBACK}:{sip_port}", "G722/16000/1", DAVE_HZ,
                      extra_config="module g722.so")

    tones = {}
    for hz in (BOB_HZ, ANSWER_HZ):
        tones[hz] = h.work / f"tone{hz}.wav"
        ps.write_tone(tones[hz], hz, CALL_SECONDS + 8)

    zveno_pair(h, bob, accounts["alice"], proxy, "G722", None, "G722", tones)
    zveno_pair(h, bob, accounts["carol"], proxy, "PCMA", None, "PCMA", tones)
    no_common_codec(h, bob, accounts["erin"], proxy)

    registered = dave.wait_registered() is not None
    tap.ok(registered, "baresip dave registers", dave.log()[-2000:])
    # baresip names G.722 by its real sample rate (16000), not SDP's 8000 (RFC 3551 4.5.2); under
    # any other name its audio_codecs restriction matches nothing and is dropped (all codecs).
    loaded = re.search(r"aucodec: G722/16000/1", dave.log()) is not None
    restricted = "audio codec not found" not in dave.log()
    if not loaded:
        skip("bob -> baresip with G.722",
             "baresip's g722 module did not load (no 'aucodec: G722/16000/1' in its log)")
    elif registered:
        tap.ok(restricted, "baresip's g722 module loaded and dave accepts G722 alone", dave.log()[-2000:])
        baresip_g722(h, bob, dave, proxy, tones)
    tap.ok(dave.proc.alive(), "baresip dave still running", dave.log()[-2000:])
    tap.ok(kamailio.alive(), "Kamailio still running", kamailio.tail())


def main():
    return zvphone.main(run, "codecs-")


if __name__ == "__main__":
    sys.exit(main())
