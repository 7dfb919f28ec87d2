#!/usr/bin/python3
"""Call media features of Zveno's phone (issue 6) through Kamailio and SIPp on loopback.

zveno-server provisions alice and bob; Kamailio reads its database (helpers of test-phone-sip.py).
  - DTMF by RFC 4733: `zveno-cli call --dtmf "1234#*"` (bob) to `zveno-cli answer` (alice): alice
    prints the six digits, in order, from the telephone-events in the audio;
  - DTMF by SIP INFO: bob calls a SIPp far end that offers no telephone-event (PCMA only); the
    scenario checks each INFO's content type and digit in order (uas-dtmf-info.xml);
  - receiving INFO: a SIPp caller without telephone-event presses 5, 9, # by INFO to alice's
    `answer`, which prints them (uac-dtmf-info.xml);
  - RTCP statistics printed after a call: loss 0, a round trip, MOS > 4; then with
    ZVENO_TEST_DROP_EVERY=5 (bob drops every 5th RTP packet) about 20 % loss and a lower MOS;
  - SRTP forced over UDP (--srtp on both phones): the echoed tone comes back through SRTP both
    ways, and a plain offer to the phone that requires SRTP is refused with 488.
Output is TAP; every process runs in its own session and is killed at the end.
"""

import re
import subprocess
import sys
from pathlib import Path

import zvphone  # noqa: E402

HERE = Path(__file__).resolve().parent
ps = zvphone.load("phone_sip", "test-phone-sip.py")
ks = ps.ks
tap = ps.tap
LOOPBACK = ps.LOOPBACK


def digits_printed(cli):
    return "".join(re.findall(r"^dtmf: (\S)$", cli.out.text(), re.M))


def provision(h, server, logins):
    """zvphone.provision(), said in the TAP output."""
    db_path, sip_port, accounts = zvphone.provision(h, server, logins, "media test")
    tap.ok(True, f"zveno-server provisioned {', '.join(logins)}; registrar {LOOPBACK}:{sip_port}")
    return db_path, sip_port, accounts


def run(h, server):
    db_path, sip_port, accounts = provision(h, server, ("alice", "bob", "carol"))
    alice, bob, carol = accounts["alice"], accounts["bob"], accounts["carol"]
    domain = alice["domain"]
    proxy = f"sip:{LOOPBACK}:{sip_port};transport=udp"
    _, kamailio = h.start_kamailio(db_path, domain, port=sip_port)

    ans = h.phone("answer", alice, alice["password"], proxy)
    reg = ans.out.wait(r"^registered: \S+ expires=\d+ contact=<?sip:(?:[^@>]*@)?([\d.]+):(\d+)", 15)
    tap.ok(reg is not None, "alice's phone registers", ans.diag())
    if reg is None:
        return

    # RFC 4733: Zveno to Zveno, both offer telephone-event.
    call = h.phone("call", bob, bob["password"], proxy, f"sip:{alice['username']}@{domain}",
                   "--duration", "4", "--dtmf", "1234#*")
    rc = call.wait(30)
    tap.ok(rc == 0 and "dtmf sent: 1234#*" in call.out.text(),
           f"bob's call sent the digits once answered (exit {rc})", call.diag())
    got = digits_printed(ans)
    # (No "#" in TAP descriptions: it starts a directive there.)
    tap.ok(got == "1234#*", f"alice received the six digits in order as telephone-events: {got!r:.8}"
           .replace("#", "hash"),
           ans.diag() + "\n" + call.diag())

    # SIP INFO out: the far end (SIPp) offers no telephone-event.
    uas_port = h.ports.get()
    argv, base = h._sipp_argv("uas-dtmf-info.xml", "uas-info", local_port=uas_port, timeout=25)
    uas = h.start(f"sipp-uas-info-{uas_port}", argv)
    # SIPp is carol's phone: registered with her credentials, its contact the scenario's port.
    h.register(f"{LOOPBACK}:{sip_port}", carol["username"], domain, carol["password"], uas_port, 200,
               "SIPp registers as carol")
    call = h.phone("call", bob, bob["password"], proxy, f"sip:{carol['username']}@{domain}",
                   "--duration", "4", "--dtmf", "1234#*")
    rc = call.wait(30)
    tap.ok(rc == 0 and "answered:" in call.out.text(), f"bob calls the SIPp far end (exit {rc})",
           call.diag())
    uas_rc = uas.wait(30)
    _, log, diag = h._outcome(base, uas_rc, "")
    infos = re.findall(r"info digit Signal=\s*(\S)", log)
    tap.ok(uas_rc == 0 and "".join(infos) == "1234#*",
           f"the SIPp far end got INFO application/dtmf-relay {''.join(infos)!r} in order "
           f"(sipp exit {uas_rc})".replace("#", "hash"), diag + "\n" + call.diag())

    # SIP INFO in: SIPp calls alice's phone directly and presses 5, 9, #.
    before = digits_printed(ans)
    remote = f"{reg.group(1)}:{reg.group(2)}"
    rc, _, _, diag = sipp_uac(h, "uac-dtmf-info.xml", remote, alice["username"])
    after = digits_printed(ans)[len(before):]
    tap.ok(rc == 0, f"alice answered the SIPp caller and each INFO with 200 (sipp exit {rc})", diag)
    tap.ok(after == "59#", f"alice printed the INFO digits {after!r}".replace("#", "hash"), ans.diag())

    # RTCP statistics and MOS, printed after the call: clean, then with every 5th packet bob sends
    # dropped (a test-only pad probe).
    for lossy in (False, True):
        env = {"ZVENO_TEST_DROP_EVERY": "5"} if lossy else None
        call = h.phone("call", bob, bob["password"], proxy, f"sip:{alice['username']}@{domain}",
                       "--duration", "5", env=env)
        rc = call.wait(30)
        out = call.out.text()
        stats = {k: float(v) for k, v in re.findall(r"^(loss_percent|loss_sent_percent|jitter_ms|rtt_ms|mos): "
                                                      r"([\d.]+)$", out, re.M)}
        tap.diag(f"{'lossy' if lossy else 'clean'} call: {stats}")
        if not lossy:
            ok = (rc == 0 and stats.get("loss_percent", 99) < 1 and stats.get("rtt_ms", 0) > 0
                  and stats.get("jitter_ms", 99) < 20 and stats.get("mos", 0) > 4)
            tap.ok(ok, "a clean call reports loss 0, a round trip, little jitter and MOS > 4", call.diag())
            clean_mos = stats.get("mos", 0)
        else:
            ok = (rc == 0 and 15 <= stats.get("loss_sent_percent", 0) <= 25
                  and stats.get("mos", 9) < clean_mos - 1)
            tap.ok(ok, "dropping every 5th packet: the far end reports about 20 % loss, MOS lower",
                   call.diag())

    # SRTP (SDES) forced over UDP: alice's phone now echoes and requires encryption.
    ans.stop()
    secure = h.phone("answer", alice, alice["password"], proxy, "--echo", "--srtp")
    tap.ok(secure.out.wait(r"^registered: ", 15) is not None, "alice's phone re-registers with --srtp",
           secure.diag())
    tone = h.work / "tone440.wav"
    record = h.work / "srtp-back.wav"
    ps.write_tone(tone, 440, 6)
    call = h.phone("call", bob, bob["password"], proxy, f"sip:{alice['username']}@{domain}", "--srtp",
                   "--duration", "3", "--play", str(tone), "--record", str(record))
    rc = call.wait(30)
    share, n = ps.tone_power(record, 440) if record.exists() else (0.0, 0)
    tap.ok(rc == 0 and "srtp: yes" in call.out.text() and share > 0.5,
           f"an SRTP call carries the tone there and back ({share:.2f} of the power, {n} samples)",
           call.diag() + "\n" + secure.diag())
    plain = h.phone("call", bob, bob["password"], proxy, f"sip:{alice['username']}@{domain}",
                    "--duration", "2")
    rc = plain.wait(30)
    tap.ok(rc != 0 and "ended: not-acceptable" in plain.out.text(),
           f"an unencrypted offer to a phone that requires SRTP is refused with 488 (exit {rc})",
           plain.diag() + "\n" + secure.diag())

    tap.ok(kamailio.alive(), "Kamailio still running", kamailio.tail())


def sipp_uac(h, scenario, remote, user):
    """Runs a SIPp caller scenario against @remote with -s USER (the scenario's [service])."""
    argv, base = h._sipp_argv(scenario, "uac", timeout=20)
    argv += ["-s", user, remote]
    try:
        done = subprocess.run(argv, cwd=h.work, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=40, start_new_session=True)
        rc, out = done.returncode, done.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        rc, out = "timeout", (e.stdout or b"").decode(errors="replace")
    code, log, diag = h._outcome(base, rc, out)
    return rc, code, log, diag


def main():
    return zvphone.main(run, "phone-media-")


if __name__ == "__main__":
    sys.exit(main())
