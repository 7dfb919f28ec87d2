"""tests/ui/test-calls-devices.py: sound devices in the app, end to end, with a private PulseAudio
holding two null sinks (the "Desk Speakers" and the "Headset") and two null sources, a real
zveno-server and Kamailio, and a headless Zveno (`zveno-cli answer --play`) sending a 1 kHz tone.

Preferences → Sound: the speaker is set to the Desk Speakers and the ringing device to the Headset
through AT-SPI (the combo rows, by keyboard). A call from the dial pad to the colleague: the tone
arrives on the Desk Speakers' monitor (recorded with parec, found by Goertzel) and not on the
Headset's; the in-call sound menu has the Desk Speakers checked; choosing the Headset there moves the
tone to the Headset's monitor during the call. Hot-plug during the call: a USB headset plugged in
(`pactl load-module module-null-sink`) shows in the in-call menu and takes the tone when chosen;
pulled out (`pactl unload-module`) the call goes on on the system default (the tone is back on the
Desk Speakers), the call view says the headset was disconnected, and the menu no longer lists it;
the same for a USB microphone (the call's recording stream moves to the default source). Preferences
→ Sound offers a speaker plugged in after the call and drops it once unplugged. After Hang Up the
call's quality report is in the server's call_stats with the call's SIP Call-ID and a MOS. An
incoming call then rings (440 + 480 Hz) on the Headset, the ringing device, and not on the Desk
Speakers. Screenshots of Preferences → Sound and the in-call sound menu before, with and after the
headset."""

import importlib.util
import json
import math
import os
import re
import sqlite3
import struct
import subprocess
import time
import wave
from pathlib import Path

import harness

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location('test_calls', HERE / 'test-calls.py')
calls = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(calls)
ks = calls.ks

TONE_HZ = 1000
RATE = 16000


def start_pulse(ui, tmp):
    """PulseAudio as this test's own sound server; PULSE_SERVER points the app, parec and pactl at it.
    It stops after the test (ui.defer)."""
    run = os.path.join(tmp, 'pulse')
    os.makedirs(run, exist_ok=True)
    socket = os.path.join(run, 'native')
    env = dict(os.environ, PULSE_RUNTIME_PATH=run, PULSE_STATE_PATH=run, XDG_RUNTIME_DIR=run)
    proc = subprocess.Popen(['pulseaudio', '--daemonize=no', '--exit-idle-time=-1', '-n',
                             '-L', f'module-native-protocol-unix socket={socket}',
                             '-L', 'module-null-sink sink_name=zv_desk sink_properties=device.description=Desk_Speakers',
                             '-L', 'module-null-sink sink_name=zv_headset sink_properties=device.description=Headset',
                             # module-null-source takes description=, not source_properties= (PulseAudio
                             # skips a module whose arguments it rejects and starts without it).
                             '-L', 'module-null-source source_name=zv_mic_desk description=Desk_Microphone',
                             '-L', 'module-null-source source_name=zv_mic_headset description=Headset_Microphone',
                             '-L', 'module-always-sink'],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def stop():
        proc.terminate()
        proc.wait()
    ui.defer(stop)
    os.environ['PULSE_SERVER'] = f'unix:{socket}'
    calls.wait_until('PulseAudio answers', lambda: subprocess.run(['pactl', 'info'], capture_output=True).returncode == 0, 10)
    subprocess.run(['pactl', 'set-default-sink', 'zv_desk'], check=True)
    names = subprocess.run(['pactl', 'list', 'short', 'sinks'], capture_output=True, text=True, check=True).stdout + \
        subprocess.run(['pactl', 'list', 'short', 'sources'], capture_output=True, text=True, check=True).stdout
    missing = [n for n in ('zv_desk', 'zv_headset', 'zv_mic_desk', 'zv_mic_headset') if n not in names.split()]
    if missing:
        raise harness.UiTestFailure(f'PulseAudio started without {missing}:\n{names}')
    return proc


def plug(ui, module, *args):
    """Loads a PulseAudio module (a device appears, as when a headset is plugged in); returns its index.
    Unloaded after the test if it is still there."""
    out = subprocess.run(['pactl', 'load-module', module, *args], capture_output=True, text=True, timeout=10)
    if out.returncode != 0:
        raise harness.UiTestFailure(f'pactl load-module {module} failed: {out.stderr}')
    index = out.stdout.strip()
    ui.defer(lambda: subprocess.run(['pactl', 'unload-module', index], capture_output=True, timeout=10))
    return index


def unplug(ui, index):
    """Unloads the module: its device goes away as an unplugged headset does."""
    out = subprocess.run(['pactl', 'unload-module', index], capture_output=True, text=True, timeout=10)
    if out.returncode != 0:
        raise harness.UiTestFailure(f'pactl unload-module {index} failed: {out.stderr}')


def recording_from():
    """The sources the app's recording streams are connected to (by name), monitors (parec) left out."""
    names = {}
    for line in subprocess.run(['pactl', 'list', 'short', 'sources'], capture_output=True, text=True,
                               timeout=10).stdout.splitlines():
        fields = line.split('\t')
        if len(fields) > 1:
            names[fields[0]] = fields[1]
    used = []
    for line in subprocess.run(['pactl', 'list', 'short', 'source-outputs'], capture_output=True, text=True,
                               timeout=10).stdout.splitlines():
        fields = line.split('\t')
        if len(fields) > 2:
            name = names.get(fields[1], f'#{fields[1]}')
            if not name.endswith('.monitor'):
                used.append(name)
    return used


def tone_share(sink, freq, seconds):
    """Share of the power at @freq in what @sink plays for @seconds (its monitor, via parec)."""
    rec = subprocess.Popen(['parec', '-d', f'{sink}.monitor', '--raw', '--format=s16le', f'--rate={RATE}',
                            '--channels=1', '--latency-msec=20'], stdout=subprocess.PIPE)
    time.sleep(seconds)
    rec.terminate()
    raw, _ = rec.communicate(timeout=5)
    samples = struct.unpack(f'<{len(raw) // 2}h', raw[:len(raw) // 2 * 2])
    if len(samples) < RATE // 10:
        return 0.0
    k = 2 * math.cos(2 * math.pi * freq / RATE)
    s1 = s2 = total = 0.0
    for x in samples:
        s0 = x + k * s1 - s2
        s2, s1 = s1, s0
        total += x * x
    power = s1 * s1 + s2 * s2 - k * s1 * s2
    return (2 * power / (len(samples) * total)) if total > 1e3 * len(samples) / RATE else 0.0


def wait_tone(sink, freq, timeout, seconds=1.5):
    deadline = time.monotonic() + timeout
    best = 0.0
    while time.monotonic() < deadline:
        best = max(best, tone_share(sink, freq, seconds))
        if best > 0.3:
            return best
    return best


def write_tone(path, seconds):
    with wave.open(str(path), 'wb') as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b''.join(struct.pack('<h', int(12000 * math.sin(2 * math.pi * TONE_HZ * i / RATE)))
                               for i in range(RATE * seconds)))


def focus(ui, acc, what, presses=12):
    """Tabs until @acc has the keyboard focus (GTK 4.8 refuses AT-SPI's grabFocus)."""
    import pyatspi
    for _ in range(presses):
        if ui.has_state(acc, pyatspi.STATE_FOCUSED):
            return
        ui.press('Tab')
        time.sleep(0.15)
    raise harness.UiTestFailure(f'{what} never gets the keyboard focus')


def offered(ui, row_name, expected, shot=None):
    """The items the combo row @row_name lists in its popover (opened by keyboard, closed with Escape),
    waiting until every name in @expected shows; the open list is the screenshot @shot if given."""
    row = ui.find('combo box', ui.tr(row_name))
    focus(ui, row, row_name)
    ui.press('Return')
    try:
        for name in expected:
            try:
                ui.find(None, name, timeout=5)
            except harness.UiTestFailure:
                break
        if shot is not None:
            ui.screenshot(shot)
        return ui.texts(roles={'label', 'list item'})
    finally:
        ui.press('Escape')
        time.sleep(0.4)


def choose(ui, row_name, item):
    """Picks @item in the combo row @row_name by keyboard (GTK 4.8's list rows have no AT-SPI action):
    Return opens its list on the current item, Down moves, Return picks."""
    row = ui.find('combo box', ui.tr(row_name))
    for downs in range(1, 5):
        focus(ui, row, row_name)
        ui.press('Return')
        time.sleep(0.4)
        for _ in range(downs):
            ui.press('Down')
            time.sleep(0.1)
        ui.press('Return')
        time.sleep(0.4)
        if item in ui.texts(row):
            return
    raise harness.UiTestFailure(f'{row_name} cannot be set to {item}: it shows {ui.texts(row)}')


def test(ui):
    office = calls.Office(ui, 'zveno-ui-devices-')
    tmp = office.tmp
    tone = Path(tmp) / 'tone.wav'
    write_tone(tone, 40)
    start_pulse(ui, tmp)
    b = office.colleagues[0]
    b_dir = office.sign_in('b', b['login'])
    office.sign_in_app()
    # The ringtone goes to the test's sound server here, where the test listens for it.
    os.environ.pop('ZVENO_RINGTONE_SINK', None)
    # The CLI peers play files; they must not take the test's sinks.
    b_phone = office.phone(b_dir, 'answer', '--play', str(tone))
    ui.check(b_phone.out.wait(r'^registered: ', 20) is not None, f'B\'s phone registers\n{b_phone.diag()}')

    ui.start()
    ui.wait_for_window()
    # ---- Preferences -> Sound ----
    ui.press('<Control>comma')
    ui.click(ui.find(None, ui.tr('Sound'), timeout=10))
    ui.find(None, ui.tr('Echo Cancellation and Noise Suppression'))
    mics = offered(ui, 'Microphone', ['Desk_Microphone', 'Headset_Microphone'])
    ui.check('Desk_Microphone' in mics and 'Headset_Microphone' in mics and ui.tr('System default') in mics,
             f'the Microphone chooser offers the system default and both microphones: {mics}')
    ui.check(not any('Desk_Speakers' in m or 'Headset' == m for m in mics),
             f'and no speaker or speaker monitor: {mics}')
    choose(ui, 'Speaker', 'Desk_Speakers')
    choose(ui, 'Ringing Device', 'Headset')
    ui.screenshot('preferences-sound')
    ui.press('Escape')

    # ---- a call on the chosen speaker ----
    ui.click(ui.find('page tab', ui.tr('Calls'), timeout=30))
    ui.wait_for_text(re.compile(re.escape(ui.tr('Ready for calls')) + '.*'), timeout=30)
    ui.click(ui.find('push button', ui.tr('Dial Pad')))
    number = ui.find(lambda role: role not in ('push button', 'label'), ui.tr('Number'))
    ui.set_text(number, b['phones']['extension'])
    ui.click(ui.find('push button', ui.tr('Call')))
    ui.check(b_phone.out.wait(r'^answered: ', 15) is not None, f'B answers\n{b_phone.diag()}')
    desk = wait_tone('zv_desk', TONE_HZ, 10)
    ui.check(desk > 0.3, f'B\'s tone plays on the chosen speaker (share {desk:.2f})')
    headset = tone_share('zv_headset', TONE_HZ, 1.0)
    ui.check(headset < 0.05, f'and not on the other sink (share {headset:.2f})')

    ui.check(b_phone.out.text().count('ended') == 0, f'the call still runs\n{b_phone.diag()}')
    ui.click(ui.find(None, ui.tr('Sound Devices')))
    desk_item = ui.find(None, 'Desk_Speakers', timeout=5)
    ui.check(ui.is_checked(desk_item) or ui.has_state(desk_item, 'pressed'),
             'the in-call menu has the call\'s speaker checked')
    ui.screenshot('in-call-sound-menu')
    ui.click(ui.find(None, 'Headset'))
    moved = wait_tone('zv_headset', TONE_HZ, 10)
    ui.check(moved > 0.3, f'the tone moves to the Headset during the call (share {moved:.2f})')
    desk = tone_share('zv_desk', TONE_HZ, 1.0)
    ui.check(desk < 0.05, f'and leaves the Desk Speakers (share {desk:.2f})')

    # ---- hot-plug during the call: a USB headset comes, is used, and is pulled out ----
    usb = plug(ui, 'module-null-sink', 'sink_name=zv_usb', 'sink_properties=device.description=USB_Headset')
    ui.click(ui.find(None, ui.tr('Sound Devices')))
    ui.find(None, 'USB_Headset', timeout=10)
    ui.screenshot('in-call-sound-menu-plugged')
    ui.click(ui.find(None, 'USB_Headset'))
    moved = wait_tone('zv_usb', TONE_HZ, 10)
    ui.check(moved > 0.3, f'the tone moves to the headset just plugged in (share {moved:.2f})')
    unplug(ui, usb)
    lost = ui.tr('“%s” was disconnected: the call goes on with the system default').replace('%s', 'USB_Headset')
    ui.wait_for_text(lost, timeout=10)
    desk = wait_tone('zv_desk', TONE_HZ, 10)
    ui.check(desk > 0.3, f'the call goes on on the system default, the Desk Speakers (share {desk:.2f})')
    ui.check(b_phone.out.text().count('ended') == 0, f'the call survives the unplugging\n{b_phone.diag()}')
    ui.screenshot('in-call-unplugged')
    ui.click(ui.find(None, ui.tr('Sound Devices')))
    ui.find(None, 'Desk_Speakers', timeout=5)
    offered_now = ui.texts(roles={'label', 'toggle button', 'push button'})
    ui.check('USB_Headset' not in offered_now, f'the sound menu no longer lists the headset: {offered_now}')
    ui.check(ui.is_checked(ui.find(None, 'Desk_Speakers')), 'and has the Desk Speakers checked')
    ui.screenshot('in-call-sound-menu-unplugged')
    ui.press('Escape')

    # The microphone in use pulled out too: the call records from the system default again.
    mic = plug(ui, 'module-null-source', 'source_name=zv_mic_usb', 'description=USB_Microphone')
    ui.click(ui.find(None, ui.tr('Sound Devices')))
    ui.click(ui.find(None, 'USB_Microphone', timeout=10))
    calls.wait_until('the call records from the USB microphone just plugged in',
                     lambda: recording_from() == ['zv_mic_usb'], 10)
    unplug(ui, mic)
    ui.wait_for_text(ui.tr('“%s” was disconnected: the call goes on with the system default')
                     .replace('%s', 'USB_Microphone'), timeout=10)
    default_source = subprocess.run(['pactl', 'get-default-source'], capture_output=True, text=True,
                                    timeout=10).stdout.strip()
    calls.wait_until(f'the call records from the default microphone ({default_source}) again, '
                     f'not from nothing', lambda: recording_from() == [default_source], 10)
    ui.check(b_phone.out.text().count('ended') == 0, f'the call survives it\n{b_phone.diag()}')

    ui.click(ui.find('push button', ui.tr('Hang Up')))
    ui.check(b_phone.out.wait(r'^ended: ', 10) is not None, f'the call ends\n{b_phone.diag()}')
    ui.click(ui.find('push button', ui.tr('Done')))

    # ---- Preferences -> Sound follows devices coming and going ----
    dock = plug(ui, 'module-null-sink', 'sink_name=zv_dock', 'sink_properties=device.description=Dock_Speakers')
    ui.press('<Control>comma')
    ui.click(ui.find(None, ui.tr('Sound'), timeout=10))
    speakers = offered(ui, 'Speaker', ['Dock_Speakers'], shot='preferences-speaker-plugged')
    ui.check('Dock_Speakers' in speakers, f'a speaker plugged in is offered in Preferences: {speakers}')
    unplug(ui, dock)
    time.sleep(1)
    speakers = offered(ui, 'Speaker', ['Desk_Speakers'], shot='preferences-speaker-unplugged')
    ui.check('Dock_Speakers' not in speakers and 'Desk_Speakers' in speakers,
             f'and no longer once it is unplugged: {speakers}')
    ui.press('Escape')

    # ---- the quality report reached the server ----
    def report():
        history = office.anna.call('GET', '/calls?limit=10')
        items = history.get('calls', history.get('items', [])) if isinstance(history, dict) else history
        ids = [c['sip_call_id'] for c in items if c.get('status') == 'answered']
        if not ids:
            return None
        with sqlite3.connect(office.db) as con:
            rows = con.execute('SELECT sip_call_id, data FROM call_stats WHERE sip_call_id = ?', (ids[0],)).fetchall()
        return rows[0] if rows else None
    row = calls.wait_until('the call\'s quality report in call_stats', report, 15)
    data = json.loads(row[1])
    mos = data.get('mos', data.get('stats', {}).get('mos') if isinstance(data.get('stats'), dict) else None)
    ui.check(mos is not None and float(mos) > 1.0, f'the report carries a MOS: {row[1][:300]}')

    # ---- the ring on the ringing device ----
    b_phone.stop()
    office.phone(b_dir, 'call', f'sip:anna@{ks.LOOPBACK}', '--duration', '20')
    ui.wait_for_text(re.compile('^' + re.escape(ui.tr('Incoming call from %s').replace('%s', b['name'])) + '$'), timeout=15)
    # Up to 20 s of 2 s windows: under load the ringtone's pipeline and PulseAudio start late.
    ring = wait_tone('zv_headset', 440, 20, seconds=2.0)
    ui.check(ring > 0.1, f'the ringtone sounds on the ringing device (share of 440 Hz {ring:.2f})')
    desk = tone_share('zv_desk', 440, 3.2)
    ui.check(desk < 0.05, f'and not on the speaker (share {desk:.2f})')
    ui.click(ui.find('push button', ui.tr('Decline')))


if __name__ == '__main__':
    harness.main(test)
