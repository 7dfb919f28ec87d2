#!/usr/bin/python3
"""SIP over TLS: Zveno's phone against Kamailio's tls module on loopback, with a test CA.

The test makes its own PKI with openssl in its temp dir: a company CA, a server certificate it
signs for 127.0.0.1, one for another host name, and a second ("rogue") CA with its own certificate
for 127.0.0.1. Three Kamailio instances (data/kamailio/start-kamailio.sh with ZVENO_SIP_TLS_PORT
and ZVENO_SIP_TLS_CFG) each serve one of those certificates on a TLS port.

Checked:
  - zveno-cli answer registers over TLS (--sip-ca-file: the company CA) and Kamailio reaches it
    through that TLS connection (an OPTIONS relayed to alice gets her 200);
  - a call from bob to alice, both over TLS, carries a tone each way (Goertzel, 1200 Hz and 700 Hz);
    the call's offer and answer are RTP/SAVP with a=crypto (SRTP, SDES keys), as Kamailio logs
    the media lines it relays over TLS (route TLSSDP);
  - a server certificate from a CA the account does not trust is refused: registration fails with
    a message saying the certificate is not trusted, and zveno-cli stops (exit 1);
  - a certificate of the trusted CA issued for another host is refused the same way.
Output is TAP; every process runs in its own session and is killed at the end.
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import zvphone  # noqa: E402

HERE = Path(__file__).resolve().parent
pb = zvphone.load("phone_baresip", "test-phone-baresip.py")
ps = pb.ps
ks = pb.ks
tap = ks.tap
LOOPBACK = ks.LOOPBACK

CALLER_HZ = 1200
CALLEE_HZ = 700
CALL_SECONDS = 3


def openssl(work, *args):
    done = subprocess.run(["openssl", *args], cwd=work, capture_output=True, timeout=60)
    if done.returncode != 0:
        raise ks.Failed(f"openssl {' '.join(args)}: {done.stderr.decode(errors='replace')}")


def make_ca(work, name, cn):
    openssl(work, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2", "-subj", f"/CN={cn}",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return work / f"{name}.pem"


def make_server_cert(work, name, ca, cn, san):
    (work / f"{name}.ext").write_text(f"subjectAltName={san}\nbasicConstraints=CA:FALSE\n"
                                      "keyUsage=critical,digitalSignature\n"
                                      "extendedKeyUsage=serverAuth\n")
    openssl(work, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={cn}")
    openssl(work, "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext")
    return work / f"{name}.pem", work / f"{name}.key"


def start_tls_kamailio(h, db_path, domain, cert, key):
    """Kamailio on a UDP/TCP port and a TLS port serving @cert; returns (udp port, tls port, proc)."""
    port = h.ports.get(tcp=True)
    tls_port = h.ports.get(tcp=True)
    tls_cfg = h.work / f"tls-{tls_port}.cfg"
    tls_cfg.write_text(f"""[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
private_key = {key}
certificate = {cert}

[client:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
""")
    script = h.src / "data" / "kamailio" / "start-kamailio.sh"
    env = dict(os.environ, ZVENO_SIP_TLS_PORT=str(tls_port), ZVENO_SIP_TLS_CFG=str(tls_cfg))
    proc = h.start(f"kamailio-tls-{tls_port}", [str(script), str(port), str(db_path),
                                                 str(h.work / f"kamailio-run-{port}"), domain],
                   env=env)
    if not h.sip_ping(port, domain, proc):
        raise ks.Failed(f"Kamailio with TLS did not answer OPTIONS on {LOOPBACK}:{port}\n{proc.tail()}")
    return port, tls_port, proc


def tls_proxy(tls_port):
    return f"sip:{LOOPBACK}:{tls_port};transport=tls"


def refused(h, alice, kam, tls_port, ca, what, expect):
    t0 = time.monotonic()
    cli = h.phone("answer", alice, alice["password"], tls_proxy(tls_port), "--sip-ca-file", str(ca))
    rc = cli.wait(15)
    took = time.monotonic() - t0
    err = cli.err.text()
    # Said at once, not after sofia's 32 s transaction timeout.
    tap.ok(rc == 1 and took < 10 and "not trusted" in err and re.search(expect, err) is not None
           and "registered:" not in cli.out.text(),
           f"{what}: refused in {took:.1f} s, exit {rc}: {err.strip().splitlines()[-1] if err.strip() else ''}",
           cli.diag() + "\n" + kam.tail())
    cli.stop()


def check_sdp(kam):
    """The media lines Kamailio logged for the TLS call (route TLSCLIENT / TLSREPLY)."""
    lines = re.findall(r"tls sdp (\S+): (m=audio [^|]*)\|(.*)$", kam.log_path.read_text(errors="replace"),
                       re.MULTILINE)
    if not tap.ok(len(lines) >= 2, f"Kamailio saw the call's offer and answer over TLS ({len(lines)})",
                  kam.tail(40)):
        return
    # Issue 6: SRTP with SDES keys whenever the transport is TLS.
    tap.ok(all("RTP/SAVP" in m and "inline:" in c for _, m, c in lines),
           "the offer and the answer over TLS are RTP/SAVP with a=crypto (SDES)",
           "\n".join(f"{w}: {m} | {c}" for w, m, c in lines))


def run(h, server):
    work = h.work
    make_ca(work, "company-ca", "Zveno Test Company CA")
    make_ca(work, "rogue-ca", "Somebody Else's CA")
    # sofia-sip 1.12 reads DNS and URI names (not IP ones) and skips the CN once there are any, so
    # the address is a DNS name as well; GIO's check uses the IP entry.
    good = make_server_cert(work, "pbx", "company-ca", LOOPBACK, f"IP:{LOOPBACK},DNS:{LOOPBACK}")
    rogue = make_server_cert(work, "rogue-pbx", "rogue-ca", LOOPBACK, f"IP:{LOOPBACK},DNS:{LOOPBACK}")
    elsewhere = make_server_cert(work, "elsewhere-pbx", "company-ca", "pbx.elsewhere.test",
                                 "DNS:pbx.elsewhere.test")
    ca = work / "company-ca.pem"
    tap.ok(True, "test PKI made with openssl: company CA, rogue CA, three server certificates")

    db_path, _, accounts = pb.provision(h, server, ("alice", "bob"))
    alice, bob = accounts["alice"], accounts["bob"]
    domain = alice["domain"]
    udp_port, tls_port, kam = start_tls_kamailio(h, db_path, domain, *good)
    tap.ok(True, f"Kamailio up: udp/tcp {udp_port}, tls {tls_port}")

    callee_tone = work / f"tone{CALLEE_HZ}.wav"
    caller_tone = work / f"tone{CALLER_HZ}.wav"
    ps.write_tone(callee_tone, CALLEE_HZ, CALL_SECONDS + 8)
    ps.write_tone(caller_tone, CALLER_HZ, CALL_SECONDS + 8)
    callee_rec = work / "alice-heard.wav"
    caller_rec = work / "bob-heard.wav"

    ans = h.phone("answer", alice, alice["password"], tls_proxy(tls_port), "--sip-ca-file", str(ca),
                  "--count", "1", "--play", str(callee_tone), "--record", str(callee_rec))
    reg = ans.out.wait(r"^registered: ", 15)
    tap.ok(reg is not None, "alice registers over TLS, trusting the company CA", ans.diag() + "\n" + kam.tail())
    code = ps.options_to(udp_port, domain, alice["username"])
    tap.ok(code == 200, f"Kamailio reaches alice through her TLS connection (OPTIONS -> {code})",
           ans.diag() + "\n" + kam.tail())

    call = h.phone("call", bob, bob["password"], tls_proxy(tls_port), "--sip-ca-file", str(ca),
                   f"sip:{alice['username']}@{domain}", "--duration", str(CALL_SECONDS),
                   "--play", str(caller_tone), "--record", str(caller_rec))
    rc = call.wait(CALL_SECONDS + 25)
    out = call.out.text()
    diag = call.diag() + "\nanswer:\n" + ans.diag() + "\n" + kam.tail(60)
    tap.ok(rc == 0 and "answered:" in out and "ended: hangup" in out,
           f"bob calls alice over TLS: answered and hung up (exit {rc})", diag)
    ans_rc = ans.wait(15)
    tap.ok(ans_rc == 0, f"alice's answer --count 1 ends (exit {ans_rc})", diag)
    pb.check_tones("over TLS: bob hears alice", caller_rec, CALLEE_HZ, CALLER_HZ, diag)
    pb.check_tones("over TLS: alice hears bob", callee_rec, CALLER_HZ, CALLEE_HZ, diag)

    check_sdp(kam)

    # Refusals: alice still trusts only the company CA.
    _, rogue_port, rogue_kam = start_tls_kamailio(h, db_path, domain, *rogue)
    refused(h, alice, rogue_kam, rogue_port, ca, "a certificate from a CA the account does not trust",
            r"not signed by the company’s certificate authority")
    _, elsewhere_port, elsewhere_kam = start_tls_kamailio(h, db_path, domain, *elsewhere)
    refused(h, alice, elsewhere_kam, elsewhere_port, ca, "a company certificate for another host",
            r"issued for another server, not 127\.0\.0\.1")
    # The same rogue server is fine for an account that trusts the rogue CA: the refusal above
    # came from the trust, not from the server.
    ok = h.phone("answer", alice, alice["password"], tls_proxy(rogue_port),
                 "--sip-ca-file", str(work / "rogue-ca.pem"))
    reg = ok.out.wait(r"^registered: ", 15)
    tap.ok(reg is not None, "trusting the rogue CA instead, the same server is accepted", ok.diag())
    ok.stop()
    for k in (kam, rogue_kam, elsewhere_kam):
        tap.ok(k.alive(), f"{k.name} still running", k.tail())


def main():
    return zvphone.main(run, "phone-tls-")


if __name__ == "__main__":
    sys.exit(main())
