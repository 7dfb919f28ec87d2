"""tests/ui/test-calls-merge.py: Merge in the in-call view, end to end, against a real zveno-server and
Kamailio, with headless Zvenos (`zveno-cli answer`) signed in as two colleagues, B and C, each playing
its own tone (700 Hz, 1000 Hz) and recording what it hears. The app calls B, Add Call calls C (B is
held), the held row offers Merge; Merge resumes B (B's phone prints "remote-hold: off") and the view
shows "Conference" with both names; Hold holds both far ends and takes both back; Hang Up ends
both calls. Through the recordings: after the
merge B hears C's tone and C hears B's (Goertzel in 250 ms blocks), which only the app's mixing can
have carried. Screenshots of the held row with Merge and of the conference."""

import importlib.util
import math
import os
import re
import struct
import time
import wave
from pathlib import Path

import harness

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location('test_calls', HERE / 'test-calls.py')
calls = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(calls)

RATE = 48000
TONES = {'b': 700, 'c': 1000}
BLOCK = 0.25


def write_tone(path, freq, seconds):
    with wave.open(str(path), 'wb') as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b''.join(struct.pack('<h', int(12000 * math.sin(2 * math.pi * freq * i / RATE)))
                               for i in range(int(seconds * RATE))))


def share(samples, rate, freq):
    k = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = total = 0.0
    for x in samples:
        s0 = x + k * s1 - s2
        s2, s1 = s1, s0
        total += x * x
    return 2 * (s1 * s1 + s2 * s2 - k * s1 * s2) / (len(samples) * total) if total > 0 else 0.0


def blocks_with(path, freq):
    """How many 250 ms blocks of @path's recording have @freq as a fair part of their power."""
    if not os.path.exists(path):
        return 0, 0
    with wave.open(str(path), 'rb') as w:
        rate, channels = w.getframerate(), w.getnchannels()
        raw = w.readframes(w.getnframes())
    samples = struct.unpack(f'<{len(raw) // 2}h', raw)[::channels]
    n = int(rate * BLOCK)
    found = total = 0
    for start in range(0, len(samples) - n + 1, n):
        total += 1
        if share(samples[start:start + n], rate, freq) > 0.15:
            found += 1
    return found, total


def test(ui):
    office = calls.Office(ui, 'zveno-ui-merge-')
    tmp = office.tmp
    people = {'b': office.colleagues[0], 'c': office.colleagues[1]}
    records = {}
    answering = {}
    for who, person in people.items():
        data = office.sign_in(who, person['login'])
        tone = os.path.join(tmp, f'tone-{who}.wav')
        write_tone(tone, TONES[who], 60)
        records[who] = os.path.join(tmp, f'heard-by-{who}.wav')
        answering[who] = office.phone(data, 'answer', '--count', '1', '--play', tone, '--record', records[who])
        ui.check(answering[who].out.wait(r'^registered: ', 20) is not None,
                 f'{who.upper()}\'s phone registers\n{answering[who].diag()}')
    office.sign_in_app()
    calls.start_on_calls_page(ui)

    def dial(extension):
        calls.dial(ui, extension)

    b_phone, c_phone = answering['b'], answering['c']
    ui.click(ui.find('push button', ui.tr('Dial Pad')))
    dial(people['b']['phones']['extension'])
    ui.check(b_phone.out.wait(r'^answered: ', 15) is not None, f'B answers the app\'s call\n{b_phone.diag()}')
    ui.wait_for_text(re.compile(r'^00:0[1-9]$'), timeout=15)
    ui.click(ui.find('push button', ui.tr('Add Call')))
    dial(people['c']['phones']['extension'])
    ui.check(c_phone.out.wait(r'^answered: ', 15) is not None, f'C answers the added call\n{c_phone.diag()}')
    ui.check(b_phone.out.wait(r'^remote-hold: on', 10) is not None, f'B is held meanwhile\n{b_phone.diag()}')
    merge = ui.find('push button', ui.tr('Merge'))
    ui.screenshot('merge-offered')
    ui.click(merge)
    ui.check(b_phone.out.wait(r'^remote-hold: off', 10) is not None,
             f'Merge takes B off hold\n{b_phone.diag()}')
    ui.wait_for_text(ui.tr('Conference'), timeout=10)
    both = ui.tr('%s and %s').replace('%s', people['b']['name'], 1).replace('%s', people['c']['name'], 1)
    ui.wait_for_text(both, timeout=10)
    ui.wait_gone('push button', ui.tr('Merge'), timeout=5)
    # The two far ends talk through the app for a while.
    time.sleep(4)
    ui.screenshot('conference')
    # Hold in a conference holds both far ends, and takes both back.
    ons = {who: p.out.text().count('remote-hold: on') for who, p in answering.items()}
    offs = {who: p.out.text().count('remote-hold: off') for who, p in answering.items()}
    hold = ui.find(None, ui.tr('Hold'))
    ui.click(hold)
    for who, p in answering.items():
        calls.wait_until(f'{who.upper()} is held with the conference',
                         lambda p=p, who=who: p.out.text().count('remote-hold: on') > ons[who], 10)
    ui.click(hold)
    for who, p in answering.items():
        calls.wait_until(f'{who.upper()} is back in the conference',
                         lambda p=p, who=who: p.out.text().count('remote-hold: off') > offs[who], 10)
    ui.wait_for_text(ui.tr('Conference'), timeout=5)
    ui.click(ui.find('push button', ui.tr('Hang Up')))
    ui.check(b_phone.out.wait(r'^ended: ', 10) is not None, f'Hang Up ends B\'s call\n{b_phone.diag()}')
    ui.check(c_phone.out.wait(r'^ended: ', 10) is not None, f'Hang Up ends C\'s call\n{c_phone.diag()}')
    for who in ('b', 'c'):
        answering[who].popen.wait(10)
    b_hears_c, b_total = blocks_with(records['b'], TONES['c'])
    c_hears_b, c_total = blocks_with(records['c'], TONES['b'])
    print(f'# B heard C in {b_hears_c}/{b_total} blocks, C heard B in {c_hears_b}/{c_total}', flush=True)
    # About 4 s merged: at least 2.5 s of it (10 blocks) each way.
    ui.check(b_hears_c >= 10, f'B hears C through the app after the merge ({b_hears_c}/{b_total} blocks of 250 ms)')
    ui.check(c_hears_b >= 10, f'C hears B through the app after the merge ({c_hears_b}/{c_total} blocks of 250 ms)')


if __name__ == '__main__':
    harness.main(test)
