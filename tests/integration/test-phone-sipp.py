#!/usr/bin/python3
"""Zveno's call control against SIPp scenarios (tests/integration/sipp/*.xml) as the far end.

Kamailio (the test's own subscriber table, as in test-kamailio-sip.py --mode db) is the registrar
and proxy. Zveno's outgoing calls go through it to SIPp UASes registered as carol and dave; SIPp
UACs call a registered `zveno-cli answer` (alice) through it too, from outside the company's
domain, and Kamailio Record-Routes every dialog. Each SIPp scenario checks what
it receives with regexps (check_it): a missing header or a wrong a= direction makes SIPp exit
non-zero, so every check below can fail. Capabilities, in order:
  1. caller id in P-Preferred-Identity and From (and a wrong one is caught); busy; early media (a
     tone streamed with the 183, before the 200, is in Zveno's recording); cancel while ringing,
     both directions; an unsupported codec and a malformed SDP refused with 488, phone still up;
  2. hold and resume: Zveno holds (sendonly, then sendrecv, sending stops meanwhile); the far end
     holds Zveno (answered recvonly) and Zveno holding back offers inactive;
  3. call waiting: a second call holds the first and is answered, or is declined 486;
  4. blind transfer (success ends the call, failure keeps it), attended transfer (Replaces names
     the consultation call), being transferred (new call, NOTIFY progress), INVITE with Replaces;
  5. session timers: Zveno refreshes; a refresh answered 481 ends the call; a far end that stops
     refreshing, or stops sending RTP, is hung up with "no-response".
Output is TAP. ZVENO_SIPP_ONLY=2,4 runs only those parts (while working on them).
Note for scenario authors: SIPp decodes &lt; &gt; &amp; in attributes but not &#13;/&#10; (use
[[:cntrl:]] and [[:print:]] in regexps), -inf fields are split at ";", and a response's status
code cannot come from a variable.
"""

import importlib.util
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load(name, file):
    spec = importlib.util.spec_from_file_location(name, HERE / file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ps = _load("phone_sip", "test-phone-sip.py")
ks = ps.ks   # one copy of the helpers, so that one TAP counter numbers every line
tap = ks.tap
LOOPBACK = ks.LOOPBACK
DOMAIN = LOOPBACK
USERS = {"alice": "alice-Secret-1", "bob": "bob-Secret-2", "carol": "carol-Secret-3",
         "dave": "dave-Secret-4"}


def write_alaw_tone(path, freq, seconds, rate=8000):
    import math
    import struct
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop
    pcm = b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * freq * i / rate)))
                   for i in range(int(rate * seconds)))
    Path(path).write_bytes(audioop.lin2alaw(pcm, 2))


class Sipp:
    """One SIPp run; the log holds what the scenario's <log> actions wrote."""

    def __init__(self, h, scenario, tag, remote=None, inf=None, port=None, extra=(), timeout=20,
                 background=False):
        argv, self.base = h._sipp_argv(scenario, tag, inf, local_port=port, timeout=timeout)
        argv += ["-key", "proxy_port", str(h.kport)] + list(extra)
        if remote:
            argv.append(remote)
        self.timeout = timeout
        self.proc = h.start(f"sipp-{tag}-{h.runs}", argv)
        self.h = h
        if not background:
            self.wait()

    def wait(self):
        rc = self.proc.wait(self.timeout + 10)
        if rc is None:
            self.proc.stop()
        self.rc = rc
        return rc

    def log(self):
        p = Path(f"{self.base}.log")
        return p.read_text(errors="replace") if p.exists() else ""

    def diag(self):
        err = Path(f"{self.base}.err")
        text = f"sipp exit {getattr(self, 'rc', '?')}\nlog:\n{self.log()}\n"
        if err.exists():
            text += "errors:\n" + "\n".join(err.read_text(errors="replace").splitlines()[-15:])
        return text + "\noutput:\n" + self.proc.tail(15)


def answer_phone(h, *extra, env=None):
    """A registered `zveno-cli answer` as alice; returns it and where SIPp should call it: the
    proxy, as a caller from outside the company would (the uac-*.xml scenarios say why)."""
    cli = h.phone("answer", {"username": "alice", "domain": DOMAIN}, USERS["alice"], h.proxy,
                  *extra, env=env)
    if not cli.out.wait(r"^registered: \S+ expires=\d+", 15):
        raise ks.Failed(f"zveno-cli answer did not register\n{cli.diag()}")
    return cli, f"{LOOPBACK}:{h.kport}"


def call_phone(h, uri, *extra, env=None):
    return h.phone("call", {"username": "bob", "domain": DOMAIN}, USERS["bob"], h.proxy, uri,
                   *extra, env=env)


def count_within(count, expected, timeout):
    """Whether count() reaches expected within timeout seconds (output arrives asynchronously)."""
    deadline = time.monotonic() + timeout
    while count() != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return count() == expected


def slice1(h):
    carol = f"sip:carol@{LOOPBACK}:{h.kport}"

    # Caller id: the UAS's regexps must see +74951000000 in P-Preferred-Identity and the From
    # display; with another number the same scenario must fail.
    uas = Sipp(h, "uas-ppi.xml", "ppi", port=h.carol_port, background=True)
    time.sleep(0.2)
    call = call_phone(h, carol, "--duration", "1", "--caller-id", "+7 495 100-00-00")
    rc = call.wait(20)
    urc = uas.wait()
    tap.ok(rc == 0 and urc == 0 and "answered" in uas.log(),
           "caller id: SIPp sees +74951000000 in P-Preferred-Identity and the From display "
           "(through Kamailio)", call.diag() + "\n" + uas.diag())
    uas = Sipp(h, "uas-ppi.xml", "ppi-wrong", port=h.carol_port, background=True, timeout=6)
    time.sleep(0.2)
    call = call_phone(h, carol, "--duration", "1", "--caller-id", "+7 812 000-00-00",
                      "--cancel-after", "2")
    call.wait(20)
    urc = uas.wait()
    tap.ok(urc not in (0, None), f"and the check bites: another number fails the scenario "
           f"(sipp exit {urc})", uas.diag())

    uas = Sipp(h, "uas-busy.xml", "busy", port=h.carol_port, background=True)
    time.sleep(0.2)
    call = call_phone(h, carol, "--duration", "1")
    rc = call.wait(20)
    uas.wait()
    tap.ok(rc == 1 and re.search(r"^ended: busy: Busy \(486", call.out.text(), re.M)
           and "Busy (486" in call.err.text(),
           f"busy: 486 ends the call as 'busy' with a clear message (exit {rc})",
           call.diag() + "\n" + uas.diag())

    # Early media: the tone only plays between the 183 and the 200.
    write_alaw_tone(h.work / "tone440.alaw", 440, 1.5)
    record = h.work / "early.wav"
    uas = Sipp(h, "uas-early-media.xml", "early", port=h.carol_port, background=True)
    time.sleep(0.2)
    call = call_phone(h, carol, "--duration", "1", "--record", str(record))
    rc = call.wait(20)
    uas.wait()
    out = call.out.text()
    share, n = ps.tone_power(record, 440) if record.exists() else (0.0, 0)
    tap.ok(rc == 0 and "ringing (early media)" in out and "early_media: yes" in out,
           "early media: audio starts with the 183's SDP", call.diag() + "\n" + uas.diag())
    tap.ok(share > 0.5, f"the tone sent only before the 200 is in the recording "
           f"({share:.2f} of the power, {n} samples)", call.diag() + "\n" + uas.diag())

    uas = Sipp(h, "uas-cancel.xml", "cancel", port=h.carol_port, background=True)
    time.sleep(0.2)
    t0 = time.monotonic()
    call = call_phone(h, carol, "--cancel-after", "1")
    rc = call.wait(6)
    took = time.monotonic() - t0
    urc = uas.wait()
    # The call ends with the 487 (without it, only after zv-call.c's 4 s CANCEL_WAIT_SECONDS).
    tap.ok(urc == 0 and "cancelled" in uas.log() and rc == 1 and took < 3.5
           and re.search(r"^ended: cancelled$", call.out.text(), re.M),
           f"cancel while ringing: CANCEL, 487, ended as 'cancelled', zveno-cli exits 1 in {took:.1f} s",
           call.diag() + "\n" + uas.diag())

    ans, contact = answer_phone(h, "--ring", "5")
    uac = Sipp(h, "uac-cancel.xml", "uac-cancel", remote=contact, extra=["-s", "alice"])
    ok = ans.out.wait(r"^ended: cancelled: The caller hung up", 5)
    tap.ok(uac.rc == 0 and "result=487" in uac.log() and ok,
           "the caller cancels while Zveno rings: 200, 487, ended as 'cancelled'",
           uac.diag() + "\n" + ans.diag())
    ans.stop()

    ans, contact = answer_phone(h)
    uac = Sipp(h, "uac-unsupported-codec.xml", "codec", remote=contact, extra=["-s", "alice"])
    tap.ok(uac.rc == 0 and "result=488" in uac.log(), "an offer of G.729 only is refused with 488",
           uac.diag() + "\n" + ans.diag())
    # The refusal is the call's outcome, printed as any other end is, with the reason.
    tap.ok(ans.out.wait(r"^ended: not-acceptable: No common audio format: the other side offered G729", 5),
           "zveno-cli answer says it refused the call and why", ans.diag())
    uac = Sipp(h, "uac-malformed-sdp.xml", "badsdp", remote=contact, extra=["-s", "alice"])
    tap.ok(uac.rc == 0 and "result=488" in uac.log(), "a malformed SDP is refused with 488",
           uac.diag() + "\n" + ans.diag())
    uac = Sipp(h, "uac-call.xml", "after-488", remote=contact, extra=["-s", "alice", "-d", "300"])
    tap.ok(uac.rc == 0 and "bye=200" in uac.log() and ans.popen.poll() is None,
           "and the phone is still up: the next call is answered", uac.diag() + "\n" + ans.diag())
    ans.stop()

    # In the user's language: the same refusal by a phone running in Russian.
    ans, contact = answer_phone(h, env={"LANGUAGE": "ru", "ZVENO_LOCALEDIR": str(h.build / "po")})
    uac = Sipp(h, "uac-malformed-sdp.xml", "badsdp-ru", remote=contact, extra=["-s", "alice"])
    tap.ok(uac.rc == 0 and "result=488" in uac.log()
           and ans.out.wait(r"^ended: not-acceptable: Собеседник прислал повреждённое описание сеанса", 5),
           "a refused call's reason is printed in the user's language", uac.diag() + "\n" + ans.diag())
    ans.stop()


def slice2(h):
    carol = f"sip:carol@{LOOPBACK}:{h.kport}"
    uas = Sipp(h, "uas-hold.xml", "hold", port=h.carol_port, background=True)
    time.sleep(0.2)
    call = call_phone(h, carol, "--duration", "4", "--hold-after", "1", "--resume-after", "2")
    rc = call.wait(25)
    urc = uas.wait()
    log = uas.log()
    tap.ok(rc == 0 and urc == 0 and "reinvite=sendonly" in log and "reinvite=sendrecv" in log,
           "hold: re-INVITE a=sendonly, resume: a=sendrecv (SIPp checks both)",
           call.diag() + "\n" + uas.diag())
    out = call.out.text()
    on = re.search(r"^hold: on packets_sent=(\d+)", out, re.M)
    off = re.search(r"^hold: off packets_sent=(\d+)", out, re.M)
    before = int(on.group(1)) if on else 0
    sent = int(off.group(1)) - before if on and off else None
    # Before the hold (1 s after the answer) audio flows; during the 2 s hold at most a packet
    # already on its way.
    tap.ok(sent is not None and sent <= 1 and before >= 5,
           f"no audio is sent while held: {sent} packets in 2 s ({before} in the second before)", out)

    ans, contact = answer_phone(h, "--hold-after", "2")
    uac = Sipp(h, "uac-remote-hold.xml", "remote-hold", remote=contact, extra=["-s", "alice"])
    log = uac.log()
    tap.ok(uac.rc == 0 and "answer2=recvonly" in log,
           "held by the far end (sendonly): Zveno answers recvonly", uac.diag() + "\n" + ans.diag())
    tap.ok(uac.rc == 0 and "zveno-offer=inactive" in log and "answer3=sendonly" in log,
           "holding while held offers inactive; the far end's resume is answered sendonly",
           uac.diag())
    out = ans.out.text()
    tap.ok("remote-hold: on" in out and "remote-hold: off" in out and "hold: on" in out,
           "remote-hold and on-hold are reported as they change", ans.diag())
    ans.stop()


def slice3(h):
    ans, contact = answer_phone(h, "--waiting", "hold")
    first = Sipp(h, "uac-waiting-first.xml", "wait-first", remote=contact,
                 extra=["-s", "alice"], background=True)
    if not ans.out.wait(r"^answered: ", 5):
        raise ks.Failed("first call not answered\n" + ans.diag())
    second = Sipp(h, "uac-call.xml", "wait-second", remote=contact, extra=["-s", "alice", "-d", "1000"])
    first.wait()
    tap.ok(second.rc == 0 and first.rc == 0 and "zveno-offer=sendonly" in first.log()
           and "zveno-offer=sendrecv" in first.log(),
           "call waiting: a second call rings, the first is held, the second answered; the "
           "first is resumed after", first.diag() + "\n" + second.diag() + "\n" + ans.diag())
    tap.ok(len(re.findall(r"^incoming: ", ans.out.text(), re.M)) == 2,
           "both calls reached the account as incoming calls", ans.diag())
    ans.stop()

    ans, contact = answer_phone(h, "--waiting", "decline")
    first = Sipp(h, "uac-call.xml", "busy-first", remote=contact,
                 extra=["-s", "alice", "-d", "2000"], background=True)
    if not ans.out.wait(r"^answered: ", 5):
        raise ks.Failed("first call not answered\n" + ans.diag())
    second = Sipp(h, "uac-expect-busy.xml", "busy-second", remote=contact, extra=["-s", "alice"])
    first.wait()
    tap.ok(second.rc == 0 and "result=486" in second.log() and first.rc == 0,
           "call waiting declined: the second call gets 486 Busy Here, the first goes on",
           second.diag() + "\n" + first.diag())
    ans.stop()


def slice4(h):
    carol = f"sip:carol@{LOOPBACK}:{h.kport}"
    dave = f"sip:dave@{LOOPBACK}:{h.kport}"
    uas = Sipp(h, "uas-refer.xml", "refer-ok", port=h.carol_port, inf=["200 OK"], background=True)
    time.sleep(0.2)
    call = call_phone(h, carol, "--duration", "5", "--transfer-to", dave, "--transfer-after", "1")
    rc = call.wait(20)
    urc = uas.wait()
    out = call.out.text()
    tap.ok(rc == 0 and urc == 0 and "transfer: 200 OK" in out and re.search(r"^ended: transferred$", out, re.M)
           and "replaces" not in uas.log().lower(),
           "blind transfer: REFER to dave, NOTIFY 200 ends the call as 'transferred'",
           call.diag() + "\n" + uas.diag())
    dur = re.search(r"duration_s: ([\d.]+)", out)
    tap.ok(dur is not None and float(dur.group(1)) < 4, f"it ended at the transfer, not at --duration "
           f"({dur.group(1) if dur else '?'} s)", out)

    uas = Sipp(h, "uas-refer.xml", "refer-fail", port=h.carol_port, inf=["486 Busy Here"],
               background=True)
    time.sleep(0.2)
    call = call_phone(h, carol, "--duration", "3", "--transfer-to", dave, "--transfer-after", "1")
    rc = call.wait(20)
    urc = uas.wait()
    out = call.out.text()
    tap.ok(rc == 0 and urc == 0 and "transfer: 486 Busy Here" in out and re.search(r"^ended: hangup$", out, re.M),
           "a failed transfer is reported and the call stays until hung up",
           call.diag() + "\n" + uas.diag())

    # Attended: carol is held, dave answers the consultation call, carol is REFERred to dave's
    # dialog; dave's SIPp logs its Call-ID, which must be the one in carol's Replaces.
    uas = Sipp(h, "uas-refer-attended.xml", "attended", port=h.carol_port, background=True)
    target = Sipp(h, "uas-answer-bye.xml", "attended-dave", port=h.dave_port, extra=["-d", "2500"],
                  background=True)
    time.sleep(0.2)
    call = call_phone(h, carol, "--duration", "8", "--transfer-to", dave, "--transfer-after", "1",
                      "--attended")
    rc = call.wait(25)
    urc, trc = uas.wait(), target.wait()
    refer_to = re.search(r"refer-to=(\S+)", uas.log())
    callid = re.search(r"callid=\s*(\S+)", target.log())
    replaces = re.search(r"Replaces=([^%;>]+)", refer_to.group(1), re.I) if refer_to else None
    tap.ok(rc == 0 and urc == 0 and trc == 0 and "transfer: 200 OK" in call.out.text(),
           "attended transfer: hold, consult dave, REFER with Replaces, NOTIFY 200",
           call.diag() + "\n" + uas.diag() + "\n" + target.diag())
    tap.ok(replaces is not None and callid is not None
           and replaces.group(1) == callid.group(1).split("%")[0],
           f"the Replaces names the consultation call ({replaces.group(1) if replaces else None} "
           f"vs {callid.group(1) if callid else None})", uas.log() + "\n" + target.log())

    # Zveno is transferred: the far end REFERs it to dave; Zveno calls dave through Kamailio and
    # reports 100, 180, 200 by NOTIFY (SIPp checks each).
    ans, contact = answer_phone(h)
    target = Sipp(h, "uas-answer-bye.xml", "refer-dave", port=h.dave_port, extra=["-d", "1000"],
                  background=True)
    time.sleep(0.2)
    uac = Sipp(h, "uac-refer.xml", "refer-in", remote=contact, inf=[dave[4:]],
               extra=["-s", "alice"])
    trc = target.wait()
    out = ans.out.text()
    tap.ok(uac.rc == 0 and trc == 0 and "notify=200" in uac.log() and f"transferred-to: {dave}" in out,
           "being transferred: Zveno calls the Refer-To target and NOTIFYs 100, 180, 200",
           uac.diag() + "\n" + target.diag() + "\n" + ans.diag())
    tap.ok(ans.out.wait(r"^ended: transferred$", 5) is not None,
           "the transferred call ends as 'transferred'", ans.diag())

    # An INVITE with Replaces takes over an answered call, which Zveno then hangs up.
    first = Sipp(h, "uac-replaced-first.xml", "replaced", remote=contact, extra=["-s", "alice"],
                 background=True)
    deadline = time.monotonic() + 5
    rfile = h.work / "replaces.txt"
    while not rfile.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.1)
    dialog = rfile.read_text().strip() if rfile.exists() else ""
    second = Sipp(h, "uac-replaces.xml", "replaces", remote=contact, inf=[dialog],
                  extra=["-s", "alice"])
    first.wait()
    tap.ok(second.rc == 0 and first.rc == 0 and "bye-received" in first.log()
           and ans.out.wait(r"^ended: replaced$", 3),
           f"an INVITE with Replaces ({dialog}) is answered and the replaced call hung up",
           second.diag() + "\n" + first.diag() + "\n" + ans.diag())
    ans.stop()


def slice5(h):
    env = {"ZVENO_SESSION_EXPIRES": "30:2"}
    ans, contact = answer_phone(h, env=env)
    t0 = time.monotonic()
    uac = Sipp(h, "uac-timer-refresh.xml", "timer", remote=contact, inf=["6;uas"],
               extra=["-s", "alice"])
    took = time.monotonic() - t0
    tap.ok(uac.rc == 0 and "refreshed=200 OK" in uac.log() and took < 8,
           f"session timer: Zveno, the refresher, refreshes a 6 s session in time ({took:.1f} s)",
           uac.diag() + "\n" + ans.diag())
    # The same scenario, its refresh answered 481 (SIPp takes no status code from a variable).
    text = (h.scenarios / "uac-timer-refresh.xml").read_text()
    marker = "<!-- REFRESH-ANSWER -->"
    head, tail = text.split(marker)
    tail = tail.replace("SIP/2.0 200 OK", "SIP/2.0 481 Call/Transaction Does Not Exist", 1)
    variant = h.work / "uac-timer-481.xml"
    # A 481 says the dialog is gone (RFC 5057): nua drops it without a BYE, so ours, sent after
    # waiting 1.5 s for one, must get 481 too.
    tail = tail.replace("refreshed=200 OK", "refreshed=481", 1).replace(
        '<recv response="200"><action><log message="bye=200"/>',
        '<recv response="481"><action><log message="bye=481"/>', 1)
    variant.write_text(head + tail)
    uac = Sipp(h, str(variant), "timer-481", remote=contact, inf=["6;uas"], extra=["-s", "alice"])
    log = uac.log()
    tap.ok(uac.rc == 0 and "refreshed=481" in log and ("bye-from-zveno" in log or "bye=481" in log)
           and ans.out.wait(r"^ended: no-response: The other side stopped responding", 3),
           "a refresh answered 481 ends the call at once as 'no-response' (the dialog is gone)",
           uac.diag() + "\n" + ans.diag())
    ended_before = len(re.findall(r"^ended: no-response", ans.out.text(), re.M))
    t0 = time.monotonic()
    uac = Sipp(h, "uac-wait-bye.xml", "timer-expire", remote=contact, inf=["4;uac"],
               extra=["-s", "alice"])
    took = time.monotonic() - t0
    tap.ok(uac.rc == 0 and "bye-from-zveno" in uac.log() and took < 7
           and count_within(lambda: len(re.findall(r"^ended: no-response", ans.out.text(), re.M)),
                            ended_before + 1, 3),
           f"a far end that stops refreshing is hung up before the session expires ({took:.1f} s)",
           uac.diag() + "\n" + ans.diag())
    ans.stop()

    ans, contact = answer_phone(h, env={"ZVENO_RTP_TIMEOUT": "2"})
    t0 = time.monotonic()
    uac = Sipp(h, "uac-wait-bye.xml", "no-rtp", remote=contact, inf=["1800;uac"], extra=["-s", "alice"])
    took = time.monotonic() - t0
    tap.ok(uac.rc == 0 and "bye-from-zveno" in uac.log()
           and ans.out.wait(r"^ended: no-response: The other side stopped responding", 3),
           f"no RTP for ZVENO_RTP_TIMEOUT=2 s ends the call with BYE ({took:.1f} s)",
           uac.diag() + "\n" + ans.diag())
    ans.stop()


def run(h):
    db = h.work / "kamailio.db"
    ks.make_db(db, USERS, DOMAIN)
    h.kport, kamailio = h.start_kamailio(db, DOMAIN)
    h.proxy = f"sip:{LOOPBACK}:{h.kport};transport=udp"
    registrar = f"{LOOPBACK}:{h.kport}"
    h.carol_port, h.dave_port = h.ports.get(), h.ports.get()
    h.register(registrar, "carol", DOMAIN, USERS["carol"], h.carol_port, 200, "SIPp as carol")
    h.register(registrar, "dave", DOMAIN, USERS["dave"], h.dave_port, 200, "SIPp as dave")
    only = os.environ.get("ZVENO_SIPP_ONLY")
    for n, step in enumerate((slice1, slice2, slice3, slice4, slice5), 1):
        if only and str(n) not in only.split(","):
            continue
        t0 = time.monotonic()
        step(h)
        tap.diag(f"slice {n}: {time.monotonic() - t0:.1f} s")
    tap.ok(kamailio.alive(), "Kamailio still running", kamailio.tail())


def main():
    build = Path(os.environ.get("ZVENO_BUILD_ROOT", "build")).resolve()
    args = type("Args", (), {"source_root": os.environ.get("ZVENO_SOURCE_ROOT", str(HERE.parents[1])),
                             "build_root": str(build)})

    def on_signal(signum, _frame):
        raise SystemExit(f"stopped by signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    with tempfile.TemporaryDirectory(prefix="sipp-", dir=os.environ.get("ZVENO_TEST_TMPDIR")) as workdir:
        h = ps.Harness(args, workdir)
        try:
            run(h)
        except ks.Failed as e:
            tap.ok(False, "harness step", e)
        except Exception as e:  # a crash in the harness is a failed test, with its reason
            import traceback
            tap.ok(False, f"harness error: {type(e).__name__}", traceback.format_exc())
        finally:
            h.stop_all()
    print(f"1..{tap.n}", flush=True)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
