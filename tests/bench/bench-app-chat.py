#!/usr/bin/python3
"""Benchmark (issue 5): opening a chat of 100,000 messages in the app, and memory while reading it.

  tests/isolate.sh tests/ui/run-ui-test.sh tests/bench/bench-app-chat.py BUILD

(run-ui-test.sh gives it Xvfb, a session bus, AT-SPI and a window manager, as the UI tests have.)
A server is seeded with one group chat of 100,000 messages; zveno-cli signs anna in and syncs; the
server is then stopped and bench-fill-cache writes the whole chat from the server's database into the
device's cache through the core's store (read to its end), so the app reads only its cache.
The app starts with ZVENO_BENCH_CHAT and the chat is opened from the keyboard as a person does
(Ctrl+F, its title, Tab, Enter). The app prints "chat-shown MS": from the conversation being given
the chat to the first painted frame that shows its newest message. On the last run it then waits
3 s ("scroll-start") and scrolls up one page a frame to the first message ("scrolled-top FRAMES");
the RSS growth is VmRSS 1 s after that minus VmRSS 1.5 s after the chat was shown.
"""
import importlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else None
if BUILD is None or not os.path.isdir(BUILD):
    raise SystemExit("usage: bench-app-chat.py BUILD (inside tests/ui/run-ui-test.sh)")
os.environ["ZVENO_BUILD_ROOT"] = BUILD
os.environ.pop("G_DEBUG", None)   # a benchmark, not a test: GTK's warnings must not abort it
sys.path.insert(0, os.path.join(HERE, "..", "ui"))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from bench_out import emit  # noqa: E402
from zvtest import Server, cli, seed  # noqa: E402

messaging = importlib.import_module("test-messaging")

MESSAGES = int(os.environ.get("BENCH_CHAT_MESSAGES", "100000"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
# BENCH_CHAT_SCROLL=0 leaves out the scroll of the last run (it binds every row: minutes at 100,000).
SCROLL = os.environ.get("BENCH_CHAT_SCROLL", "1") != "0"
# BENCH_CHAT_SHOTS=1: one more run that scrolls up slowly while the list view's window of messages
# grows six times, prints each growth (how far the view moved) and takes screenshots meanwhile
# (BUILD/tests/screenshots/bench-chat-shots-*).
SHOTS = os.environ.get("BENCH_CHAT_SHOTS", "0") != "0"
COMMAND = "tests/isolate.sh tests/ui/run-ui-test.sh tests/bench/bench-app-chat.py BUILD"


def rss_mb(pid):
    """VmRSS of the app. run-ui-test.sh runs us in a PID namespace of our own without its own
    /proc, so the app is found by the last (innermost) number of each process's NSpid line."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        nspid = fields.get("NSpid", "").split()
        if nspid and int(nspid[-1]) == pid and fields.get("Name", "").strip() == "zveno":
            return int(fields["VmRSS"].split()[0]) / 1024
    raise SystemExit(f"no zveno process with pid {pid} in this namespace")


def wait_line(ui, proc, pattern, timeout):
    """The first line of the app's output matching pattern (its log file, as the harness keeps it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the app exited ({proc.returncode}):\n{ui.app_log()}")
        with open(ui.logs[proc.pid], "rb") as f:
            for line in f.read().decode("utf-8", "replace").splitlines():
                m = re.match(pattern, line.strip())
                if m:
                    return m
        time.sleep(0.05)
    raise SystemExit(f"no line {pattern!r} from the app in {timeout} s:\n{ui.app_log()}")


def all_lines(ui, proc, pattern):
    with open(ui.logs[proc.pid], "rb") as f:
        return [m for m in (re.match(pattern, line.strip())
                            for line in f.read().decode("utf-8", "replace").splitlines()) if m]


def shots_run(data, title):
    """Scrolls up slowly over six growths of the window, with screenshots; returns the growths."""
    os.environ["ZVENO_DATA_DIR"] = data
    os.environ["ZVENO_BENCH_CHAT"] = "slow"
    ui = harness.Zveno("bench-chat-shots")
    try:
        ui.start()
        ui.find("label", title, timeout=30)
        time.sleep(1.0)
        messaging.open_chat(ui, title)
        wait_line(ui, ui.primary, r"^chat-shown ([0-9.]+)$", 30)
        ui.screenshot("shown")
        wait_line(ui, ui.primary, r"^scroll-start$", 10)
        deadline = time.monotonic() + 120
        while not all_lines(ui, ui.primary, r"^slow-done") and time.monotonic() < deadline:
            ui.screenshot("scrolling-up")
        time.sleep(0.5)
        ui.screenshot("after-growths")
        growths = [m.group(0) for m in all_lines(ui, ui.primary, r"^grow-start .*$")]
        ui.quit()
        return growths
    finally:
        ui.close()


def one_run(data, title, scroll):
    os.environ["ZVENO_DATA_DIR"] = data
    os.environ["ZVENO_BENCH_CHAT"] = "scroll" if scroll else "1"
    ui = harness.Zveno("bench-chat")
    try:
        ui.start()
        ui.find("label", title, timeout=30)
        # Let the window settle so the open is measured alone.
        time.sleep(1.0)
        messaging.open_chat(ui, title)
        shown = float(wait_line(ui, ui.primary, r"^chat-shown ([0-9.]+)$", 30).group(1))
        # What the open cost (rows bound, frames, the list view's window); absent in older builds.
        try:
            cost = wait_line(ui, ui.primary, r"^chat-shown-rows (.*)$", 2).group(1)
        except SystemExit:
            cost = "?"
        print(f"# run: shown in {shown:.1f} ms; {cost}", flush=True)
        result = {"shown_ms": shown}
        if scroll:
            # The app starts scrolling 3 s after showing the chat ("scroll-start").
            time.sleep(1.5)
            before = rss_mb(ui.primary.pid)
            wait_line(ui, ui.primary, r"^scroll-start$", 10)
            t0 = time.monotonic()
            frames = int(wait_line(ui, ui.primary, r"^scrolled-top ([0-9]+)$", 1800).group(1))
            seconds = time.monotonic() - t0
            drift = all_lines(ui, ui.primary, r"^grow-drift (.*)$")
            if drift:
                print(f"# while scrolling up, the window of messages grew: {drift[0].group(1)} "
                      f"(how far the view moved at a growth)", flush=True)
            time.sleep(1.0)
            after = rss_mb(ui.primary.pid)
            result.update(rss_before=before, rss_after=after, frames=frames, seconds=seconds)
        ui.quit()
        return result
    finally:
        ui.close()


def main():
    tmp = tempfile.mkdtemp(prefix="zveno-bench-chat-")
    db = os.path.join(tmp, "server.db")
    data = os.path.join(tmp, "device")
    try:
        harness.start_keyring()
        if seed(db, 3, 1, MESSAGES, 1).returncode != 0:
            raise SystemExit("seeding failed")
        server = Server(db)
        url = server.start()
        out = cli(data, "login", "--server", url, "--user", "anna", "--password-stdin", stdin="demo\n")
        if out.returncode != 0:
            raise SystemExit(f"login failed: {out.stderr}")
        if cli(data, "sync").returncode != 0:
            raise SystemExit("sync failed")
        server.stop()
        # The whole history goes straight into the cache (a backfill over HTTP takes minutes),
        # every chat read to its end: the app opens it at its newest message.
        t0 = time.monotonic()
        out = subprocess.run([os.path.join(BUILD, "tests", "bench", "bench-fill-cache"), "--server-db", db,
                              "--cache", os.path.join(data, "zveno.db")],
                             capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            raise SystemExit(f"filling the cache failed: {out.stderr}")
        chats = json.loads(cli(data, "chats", "--json").stdout)
        chat = max(chats, key=lambda c: c.get("last_message_id") or 0)
        print(f"# {out.stdout.strip()} (wall {time.monotonic() - t0:.1f} s); chat {chat['id']} ({chat['title']})",
              flush=True)

        if SHOTS:
            for line in shots_run(data, chat["title"]):
                print(f"# {line}", flush=True)
        runs = [one_run(data, chat["title"], scroll=SCROLL and i == RUNS - 1) for i in range(RUNS)]
        shown = statistics.median(r["shown_ms"] for r in runs)
        print(f"time to show a {MESSAGES:,}-message chat: {shown:.1f} ms (median of {RUNS}: "
              f"{', '.join('%.1f' % r['shown_ms'] for r in runs)})")
        emit("app-chat", f"time to show a {MESSAGES:,}-message chat", shown, "ms", COMMAND)
        if SCROLL:
            last = runs[-1]
            growth = last["rss_after"] - last["rss_before"]
            print(f"RSS after showing it {last['rss_before']:.1f} MB, after scrolling to its first message "
                  f"{last['rss_after']:.1f} MB: growth {growth:+.1f} MB (aim <= 30 MB); "
                  f"{last['frames']} frames in {last['seconds']:.1f} s")
            emit("app-chat", f"RSS growth scrolling a {MESSAGES:,}-message chat end to end", growth, "MB", COMMAND)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
