"""tests/ui/test-chat-list.py: a signed-in start over a cache of many chats, as most starts are. The
chat list shows the chats at once, newest first; the window's first frame makes only the rows its
height can show (a row costs that frame about 1 ms: docs/PERFORMANCE.md, cut 9) and the list is
topped up to two screens right after, so what lies below the fold is there before anyone scrolls;
moving down the list with the arrow keys brings in more chats before the end is reached."""

import os
import re
import sys
import tempfile
import time

import harness

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'integration'))
os.environ.setdefault('ZVENO_BUILD_ROOT', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'build'))
from zvtest import Api, Server, cli, seed  # noqa: E402

# zv-window-chats.c: the list view is given this many chats once the first frame is on screen.
CHATS_SHOWN = 20


def rows(ui, chat_list):
    """The chat rows the list view has made (shown or below the fold): its list items' names."""
    names = []
    for item in ui.find_all('list item', root=chat_list, showing=False):
        for i in range(item.childCount):
            name = item.getChildAtIndex(i).name
            if name:
                names.append(name)
                break
    return names


def test(ui):
    tmp = tempfile.mkdtemp(prefix='zveno-ui-chats-')
    db = os.path.join(tmp, 'server.db')
    ui.check(seed(db, 40, 160, 1200, 3).returncode == 0, 'the demo company is seeded')
    server = Server(db)
    server.start()
    ui.defer(server.stop)
    harness.start_keyring()
    data = os.path.join(tmp, 'data')
    os.environ['ZVENO_DATA_DIR'] = data

    # Signed in and synced before the app starts: it opens on the cached chats.
    login = cli(data, 'login', '--server', server.url, '--user', 'anna', '--password-stdin', stdin='demo\n')
    ui.check(login.returncode == 0, f'zveno-cli login: {login.stderr}')
    sync = cli(data, 'sync')
    ui.check(sync.returncode == 0, f'zveno-cli sync: {sync.stderr}')
    chats = Api(server.url + '/api/v1', 'anna', 'demo').call('GET', '/sync?history=1')['chats']
    ui.check(len(chats) > CHATS_SHOWN + 10, f'anna is in more chats than two screens show ({len(chats)})')

    ui.start()
    ui.wait_for_window(re.compile('^' + re.escape(ui.tr('Zveno'))))  # "Zveno (43)": the unread count
    chat_list = ui.find('list', ui.tr('Chats'), timeout=30)

    # Right after the first frame the list is topped up to CHATS_SHOWN rows: without the top-up it
    # would keep the dozen or so of the first frame.
    deadline = time.monotonic() + 10
    made = rows(ui, chat_list)
    while len(made) < CHATS_SHOWN and time.monotonic() < deadline:
        time.sleep(0.2)
        made = rows(ui, chat_list)
    ui.check(len(made) == CHATS_SHOWN, f'{CHATS_SHOWN} chat rows after the first frame, not {len(made)}: {made}')
    ui.check(ui.first_row(chat_list) == made[0], f'the first chat is on top ({ui.first_row(chat_list)!r})')
    ui.screenshot('chats')

    # Down the list with the keyboard (Ctrl+F, Tab into the list, the arrow keys): more chats come
    # in before the focus reaches the last row made.
    ui.press('<Control>f')
    ui.press('Tab')
    grown = made
    for presses in range(1, 3 * CHATS_SHOWN + 1):
        ui.press('Down')
        time.sleep(0.05)  # one row a keypress, as fast as a person holding the key
        if presses % 5 == 0:
            grown = rows(ui, chat_list)
            if len(grown) > CHATS_SHOWN + 5:
                break
    ui.check(len(grown) > CHATS_SHOWN + 5, f'more chats came in while moving down the list ({len(grown)} rows)')
    ui.check(grown[:CHATS_SHOWN] == made, 'the chats made first stay in the same order at the top')
    ui.screenshot('chats-moved-down')


harness.main(test)
