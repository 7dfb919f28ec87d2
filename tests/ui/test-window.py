"""tests/ui/test-window.py: the main window opens on the Chats page with its empty states, shows the
sidebar's Search and Main Menu buttons, and every control in it has an accessible name."""

import os
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
    ui.screenshot('chats')

    # Every icon of the first window comes from pre-rendered PNGs, as GTK's own do: an SVG icon
    # anywhere in its tree (shown or not) loads librsvg, 6.4 MB of startup memory (docs/PERFORMANCE.md,
    # "Where the startup memory goes", cut 5). Icons load on GTK's threads: give them a moment.
    time.sleep(1)
    maps = app_maps(ui)
    ui.check(maps is not None and 'libgtk-4' in maps, 'the app\'s memory map is readable')
    svg = sorted({line.split()[-1] for line in maps.splitlines() if 'librsvg' in line or 'pixbufloader-svg' in line})
    ui.check(not svg, f'an SVG icon was loaded at startup (make it a .symbolic.png, data/icons): {svg}')

    unnamed = ui.unnamed_controls()
    ui.check(not unnamed, 'controls without an accessible name (set one in the .ui file):\n' +
             '\n'.join(f'  {n!r}' for n in unnamed))


harness.main(test)
