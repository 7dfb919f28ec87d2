"""tests/ui/test-window.py: the main window opens on the Chats page with its empty states, shows the
sidebar's Search and Main Menu buttons, and every control in it has an accessible name."""

import os
import subprocess
import time

import harness


def app_maps(ui):
    """/proc/PID/maps of the app. The test may run in its own PID namespace under the machine's
    /proc: the app is the process whose innermost pid (NSpid's last) is ours and runs our binary."""
    want = os.path.realpath(ui.binary)
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/status') as f:
                nspid = next((line.split()[1:] for line in f if line.startswith('NSpid:')), [])
            if not nspid or int(nspid[-1]) != ui.primary.pid or os.readlink(f'/proc/{entry}/exe') != want:
                continue
            with open(f'/proc/{entry}/maps') as f:
                return f.read()
        except (OSError, ValueError):
            continue
    return None


def test(ui):
    ui.start()
    ui.wait_for_window(ui.tr('Zveno'))
    chats = ui.find('page tab', ui.tr('Chats'))
    ui.wait_for_texts(showing=[ui.tr('No Chats Yet'), ui.tr('No Chat Selected')],
                      hidden=[ui.tr(t) for t in ('No Calls Yet', 'No Contacts Yet',
                                                 'No Call Selected', 'No Contact Selected')])
    ui.check(ui.is_selected(chats), 'the Chats tab is not selected when the window opens')
    ui.find(None, ui.tr('Search'))
    ui.find(None, ui.tr('Main Menu'))
    shot = ui.screenshot('chats')

    # libadwaita's style sheet is on: its window background (#fafafa) fills most of the window. The
    # app keeps GTK from parsing its fallback theme with GTK_THEME, which libadwaita takes for a
    # user's own theme and then leaves its style sheet out (unstyled: a black window here) unless the
    # app takes it back in time (zv_application_skip_fallback_theme(), docs/PERFORMANCE.md cut 9).
    share = subprocess.run(['convert', shot, '-fuzz', '1%', '-fill', 'white', '-opaque', '#fafafa',
                            '-fill', 'black', '+opaque', 'white', '-format', '%[fx:mean]', 'info:'],
                           capture_output=True, text=True, timeout=30)
    ui.check(share.returncode == 0, f'the screenshot is readable: {share.stderr}')
    ui.check(float(share.stdout) > 0.2,
             f'the window is not in libadwaita\'s style: #fafafa is {float(share.stdout):.0%} of the screen')

    # Every icon of the first window comes from pre-rendered PNGs, as GTK's own do: an SVG icon
    # anywhere in its tree (shown or not) loads librsvg, 6.4 MB of startup memory (docs/PERFORMANCE.md,
    # "Where the startup memory goes", cut 5). Icons load on GTK's threads: give them a moment.
    time.sleep(1)
    maps = app_maps(ui)
    ui.check(maps is not None and 'libgtk-4' in maps, 'the app\'s memory map is readable')
    svg = sorted({line.split()[-1] for line in maps.splitlines() if 'librsvg' in line or 'pixbufloader-svg' in line})
    ui.check(not svg, f'an SVG icon was loaded at startup (make it a .symbolic.png, data/icons): {svg}')
    # The phone (sofia-sip, GStreamer) is a module the window loads just after its first frame
    # (src/app/zv-phone-ui.h): by now it is in, with its libraries.
    phone = sorted({line.split()[-1] for line in maps.splitlines()
                    if 'libzveno-phone-ui' in line or 'libsofia-sip-ua' in line})
    ui.check(any('libzveno-phone-ui' in p for p in phone) and any('libsofia-sip-ua' in p for p in phone),
             f'the phone\'s module was not loaded after the first frame: {phone}')

    unnamed = ui.unnamed_controls()
    ui.check(not unnamed, 'controls without an accessible name (set one in the .ui file):\n' +
             '\n'.join(f'  {n!r}' for n in unnamed))


harness.main(test)
