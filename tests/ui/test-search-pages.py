"""tests/ui/test-search-pages.py: the sidebar's one search field filters whichever page shows. Text
typed on the Chats page must filter the Contacts page when the user switches to it (it used to show
the text over the unfiltered directory), and clearing it there shows everyone again. Against a real
zveno-server, through AT-SPI; screenshots of each state."""

import importlib
import os
import sys
import tempfile

import harness

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'integration'))
os.environ.setdefault('ZVENO_BUILD_ROOT', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'build'))
from zvtest import Api, Server, seed  # noqa: E402

messaging = importlib.import_module('test-messaging')
actions = importlib.import_module('test-messaging-actions')


def named(ui, name, showing=True, timeout=10):
    """Waits until a control whose accessible name contains name shows (or no longer does)."""
    def has():
        return any(n.name and name in n.name for n in ui.walk())
    messaging.wait_until(f'{name!r} {"shows" if showing else "is hidden"}',
                         (lambda: has()) if showing else (lambda: not has()), timeout)


def test(ui):
    tmp = tempfile.mkdtemp(prefix='zveno-ui-search-pages-')
    db = os.path.join(tmp, 'server.db')
    ui.check(seed(db, 12, 8, 200, 5).returncode == 0, 'the demo company is seeded')
    server = Server(db)
    server.start()
    ui.defer(server.stop)
    harness.start_keyring()
    os.environ['ZVENO_DATA_DIR'] = os.path.join(tmp, 'data')
    anna = Api(server.url + '/api/v1', 'anna', 'demo')
    directory = [e for e in anna.call('GET', '/directory?limit=1000')['entries']
                 if e['id'] != anna.user['id'] and e.get('name')]
    # Two colleagues whose names do not contain each other.
    found, other = next((a, b) for a in directory for b in directory
                        if a['name'] not in b['name'] and b['name'] not in a['name'])
    chats = anna.call('GET', '/sync?history=1')['chats']
    title = next(c['title'] for c in chats if c.get('title'))

    ui.start()
    actions.sign_in(ui, server.url)
    ui.find('label', title, timeout=30)

    # Contacts unfiltered first: both show.
    ui.click(ui.find('page tab', ui.tr('Contacts')))
    named(ui, found['name'])
    named(ui, other['name'])

    # Typed on the Chats page, then the Contacts page is shown: it is filtered by that text.
    ui.click(ui.find('page tab', ui.tr('Chats')))
    ui.press('<Control>f')
    ui.set_text(messaging.text_field(ui, ui.tr('Search chats')), found['name'])
    ui.click(ui.find('page tab', ui.tr('Contacts')))
    named(ui, found['name'])
    named(ui, other['name'], showing=False)
    ui.screenshot('contacts-filtered-after-switch')

    # Cleared on the Contacts page and back to Chats: every chat shows again.
    ui.set_text(messaging.text_field(ui, ui.tr('Search contacts')), '')
    named(ui, other['name'])
    ui.click(ui.find('page tab', ui.tr('Chats')))
    ui.find('label', title, timeout=10)
    ui.screenshot('chats-unfiltered')


harness.main(test)
