"""tests/ui/test-messaging.py: the messenger against a real zveno-server: sign in through the form
(server, login, password, Sign In), the seeded chats appear, open one, send a message (the server
has it), and a message another user sends over HTTP shows in the open chat within 2 s."""

import os
import subprocess
import sys
import tempfile
import time
import uuid

import harness

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'integration'))
os.environ.setdefault('ZVENO_BUILD_ROOT', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'build'))
from zvtest import Api, Server, seed  # noqa: E402


def start_keyring():
    """gnome-keyring on this test's private session bus, unlocked, so the app can keep its tokens."""
    out = subprocess.run(['gnome-keyring-daemon', '--unlock', '--components=secrets'],
                         input='test', capture_output=True, text=True, timeout=30)
    for line in out.stdout.splitlines():
        if '=' in line:
            key, value = line.split('=', 1)
            os.environ[key] = value


def test(ui):
    tmp = tempfile.mkdtemp(prefix='zveno-ui-msg-')
    db = os.path.join(tmp, 'server.db')
    ui.check(seed(db, 12, 8, 400, 5).returncode == 0, 'the demo company is seeded')
    server = Server(db)
    server.start()
    try:
        start_keyring()
        os.environ['ZVENO_DATA_DIR'] = os.path.join(tmp, 'data')
        api = server.url + '/api/v1'
        anna = Api(api, 'anna', 'demo')
        chats = anna.call('GET', '/sync?history=1')['chats']
        ui.check(len(chats) > 0, 'anna has chats on the server')

        ui.start()
        ui.click(ui.find('push button', ui.tr('Sign In…')))
        ui.wait_for_text(ui.tr('Welcome to Zveno'))
        ui.set_text(ui.find(None, ui.tr('Server or work e-mail')), server.url)
        ui.set_text(ui.find(None, ui.tr('Login')), 'anna')
        ui.set_text(ui.find(None, ui.tr('Password')), 'demo')
        ui.screenshot('sign-in')
        ui.click(ui.find('push button', ui.tr('Sign In')))

        # A seeded chat anna is in, by the title the server gives it (group chats have one).
        titled = [c for c in chats if c.get('title')]
        ui.check(titled, 'a seeded group chat has a title')
        title = titled[0]['title']
        label = ui.find('label', title, timeout=30)
        ui.screenshot('chat-list')

        # GTK 4.8 list rows have no AT-SPI action: focus the row and press Enter, as from the keyboard.
        item = label
        while item is not None and item.getRoleName() != 'list item':
            item = item.parent
        ui.check(item is not None, f'the chat {title!r} is in a list item')
        item.queryComponent().grabFocus()
        ui.press('Return')
        composer = ui.find(None, ui.tr('Message'))
        text = f'Привет из UI-теста {uuid.uuid4().hex[:6]}'
        ui.set_text(composer, text)
        ui.click(ui.find('push button', ui.tr('Send')))
        chat_id = titled[0]['id']
        deadline = time.monotonic() + 10
        found = False
        while time.monotonic() < deadline and not found:
            messages = anna.call('GET', f'/chats/{chat_id}/messages?limit=20')['messages']
            found = any(m['text'] == text for m in messages)
            time.sleep(0.2)
        ui.check(found, f'the server has the message sent from the UI ({text!r})')

        members = anna.call('GET', f'/chats/{chat_id}')['members']
        other_id = next(m for m in members if m != anna.user['id'])
        directory = anna.call('GET', '/directory?limit=1000')['entries']
        other = Api(api, next(e['login'] for e in directory if e['id'] == other_id), 'demo')
        incoming = f'Ответ коллеги {uuid.uuid4().hex[:6]}'
        t0 = time.monotonic()
        other.call('POST', f'/chats/{chat_id}/messages', {'client_id': str(uuid.uuid4()), 'text': incoming})
        ui.wait_for_text(incoming, timeout=2.0)
        print(f'# incoming message shown after {time.monotonic() - t0:.2f} s')
        ui.screenshot('conversation')
    finally:
        server.stop()


harness.main(test)
