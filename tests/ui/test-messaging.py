"""tests/ui/test-messaging.py: the messenger end to end against a real zveno-server, through AT-SPI:
sign in through the form; the seeded chats appear; open one from the keyboard (and it is marked read
on the server); send a message (the server has it); a message another user sends over HTTP shows in
the open chat within 2 s, and one sent while the window is not focused raises a desktop notification
(seen on the D-Bus notification interface, a dbusmock daemon); a Russian word found by another form
through the search page opens its chat; the contacts page lists the directory; offline, a message
waits and is delivered exactly once when the server is back on the same port; an account the
administrator disables ends on the "Account Deactivated" page. Screenshots of every state."""

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid

import harness

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'integration'))
os.environ.setdefault('ZVENO_BUILD_ROOT', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'build'))
from zvtest import Api, Server, admin, seed  # noqa: E402

import pyatspi  # noqa: E402

# A window of another program: metacity gives it the focus, so Zveno's window is not active.
OTHER_WINDOW = '''
import gi
gi.require_version("Gtk", "4.0")
from gi.repository import GLib, Gtk
Gtk.init()
w = Gtk.Window(title="Another program")
w.set_default_size(400, 300)
w.present()
loop = GLib.MainLoop()
w.connect("close-request", lambda *a: loop.quit())
loop.run()
'''


def gdbus_notifications(*args):
    return subprocess.run(['gdbus', 'call', '--session', '-d', 'org.freedesktop.Notifications',
                           '-o', '/org/freedesktop/Notifications', *args],
                          capture_output=True, text=True, timeout=10)


def start_notification_daemon():
    """python3-dbusmock's notification daemon on the test's session bus; returns its process."""
    proc = subprocess.Popen(['/usr/bin/python3', '-m', 'dbusmock', '--session', '--template',
                             'notification_daemon'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if gdbus_notifications('-m', 'org.freedesktop.DBus.Mock.GetMethodCalls', 'Notify').returncode == 0:
            return proc
        time.sleep(0.1)
    proc.kill()
    raise harness.UiTestFailure('the dbusmock notification daemon did not appear on the session bus')


def notify_calls():
    out = gdbus_notifications('-m', 'org.freedesktop.DBus.Mock.GetMethodCalls', 'Notify')
    return out.stdout if out.returncode == 0 else ''


def wait_until(what, fn, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.2)
    raise harness.UiTestFailure(f'{what} (waited {timeout:.0f} s)')


def frame_active(ui):
    return any(ui.has_state(w.acc, pyatspi.STATE_ACTIVE) for w in ui.windows() if w.role == 'frame')


def text_field(ui, name):
    """The editable field with this accessible name (a search entry, the composer)."""
    return ui.find(lambda role: role not in ('push button', 'toggle button', 'label'), name)


def open_chat(ui, title):
    """Opens a chat from the keyboard, as a person would: GTK 4.8 list rows have no AT-SPI action
    and cannot take the focus through AT-SPI. Ctrl+F (no chat showing) filters the sidebar's list,
    Tab moves into the list, Enter opens the first row."""
    ui.press('<Control>f')
    field = text_field(ui, ui.tr('Search chats'))
    ui.set_text(field, title)
    ui.find('label', title)
    ui.press('Tab')
    ui.press('Return')
    ui.wait_for_text(ui.tr('Message'))


def test(ui):
    tmp = tempfile.mkdtemp(prefix='zveno-ui-msg-')
    db = os.path.join(tmp, 'server.db')
    ui.check(seed(db, 12, 8, 400, 5).returncode == 0, 'the demo company is seeded')
    server = Server(db)
    server.start()
    ui.defer(server.stop)
    other_window = None
    harness.start_keyring()
    daemon = start_notification_daemon()
    ui.defer(daemon.kill)
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

    # A seeded group chat anna is in, by its title; one she has read, so it opens at its newest
    # message (a chat with unread messages opens at the first of them instead).
    titled = [c for c in chats if c.get('title')]
    ui.check(titled, 'a seeded group chat has a title')
    titled.sort(key=lambda c: (c.get('unread_count') or 0))
    chat = titled[0]
    chat_id, title = chat['id'], chat['title']
    label = ui.find('label', title, timeout=30)
    ui.screenshot('chat-list')

    open_chat(ui, title)
    composer = text_field(ui, ui.tr('Message'))

    # Opened with the window focused: read up to its newest message, on the server too.
    newest = max(m['id'] for m in anna.call('GET', f'/chats/{chat_id}/messages?limit=1')['messages'])
    wait_until(f'the server has anna\'s read marker of chat {chat_id} at {newest}',
               lambda: anna.call('GET', f'/chats/{chat_id}').get('read_up_to', 0) >= newest, 10)

    text = f'Привет из UI-теста {uuid.uuid4().hex[:6]}'
    ui.set_text(composer, text)
    ui.click(ui.find('push button', ui.tr('Send')))
    wait_until(f'the server has the message sent from the UI ({text!r})',
               lambda: any(m['text'] == text for m in
                           anna.call('GET', f'/chats/{chat_id}/messages?limit=20')['messages']), 10)

    # Up in the empty composer edits one's newest message; saving sends the edit to the server.
    mine = next(m for m in anna.call('GET', f'/chats/{chat_id}/messages?limit=20')['messages']
                if m['text'] == text)
    ui.press('Up')
    wait_until('the composer holds the message to edit', lambda: ui.text_of(composer) == text, 5)
    edited = text + ' (исправлено)'
    ui.set_text(composer, edited)
    ui.screenshot('editing')
    ui.click(ui.find('push button', ui.tr('Send')))
    wait_until('the server has the edit',
               lambda: any(m['id'] == mine['id'] and m['text'] == edited and m['edited_at']
                           for m in anna.call('GET', f'/chats/{chat_id}/messages?limit=20')['messages']), 10)

    members = anna.call('GET', f'/chats/{chat_id}')['members']
    other_id = next(m for m in members if m != anna.user['id'])
    directory = anna.call('GET', '/directory?limit=1000')['entries']
    other_entry = next(e for e in directory if e['id'] == other_id)
    other_name = other_entry['name']
    other = Api(api, other_entry['login'], 'demo')

    def post(words):
        return other.call('POST', f'/chats/{chat_id}/messages',
                          {'client_id': str(uuid.uuid4()), 'text': words})

    incoming = f'Ответ коллеги {uuid.uuid4().hex[:6]}'
    t0 = time.monotonic()
    sent = post(incoming)
    # What a person sees within 2 s: the chat list's preview of the open chat names it. (GTK 4.8
    # does not add list rows created after the first frame to the AT-SPI tree right away, so the
    # conversation's own row is checked by the screenshot below, not by name.)
    ui.wait_for_text(f'{other_name}: {incoming}', timeout=2.0)
    print(f'# incoming message shown after {time.monotonic() - t0:.2f} s')
    # Seen in the open chat while focused: read at once, and no notification.
    wait_until('the message seen in the open chat is marked read on the server',
               lambda: anna.call('GET', f'/chats/{chat_id}').get('read_up_to', 0) >= sent['id'], 5)
    ui.screenshot('conversation')
    ui.check(incoming not in notify_calls(), 'no notification for a message read in the focused window')

    # Another program takes the focus: a message now raises a notification.
    env = dict(os.environ, NO_AT_BRIDGE='1')
    env.pop('G_DEBUG', None)
    other_window = subprocess.Popen(['/usr/bin/python3', '-c', OTHER_WINDOW], env=env)
    ui.defer(lambda w=other_window: w.poll() is None and (w.kill(), w.wait()))
    wait_until('Zveno\'s window lost the focus to another program', lambda: not frame_active(ui), 10)
    unseen = f'Проверьте договоров поставки {uuid.uuid4().hex[:6]}'
    post(unseen)
    calls = wait_until('a notification for the message sent while unfocused',
                       lambda: (lambda c: c if unseen in c else None)(notify_calls()), 5)
    ui.check(title in calls, f'the notification names the chat {title!r}: {calls[:400]}')
    wait_until('the window title counts the unread message',
               lambda: any(w.name.startswith(ui.tr('Zveno') + ' (') for w in ui.windows()), 5)
    other_window.terminate()
    other_window.wait(10)
    other_window = None

    # Search by another form of a Russian word: "договор" finds "договоров" (stemmed index).
    ui.click(ui.find('push button', ui.tr('Search')))
    field = text_field(ui, ui.tr('Search'))
    ui.set_text(field, 'договор')
    hit = ui.find(None, lambda n: n is not None and 'поставки' in n, timeout=10)
    ui.check(hit is not None, 'the search shows the hit')
    ui.screenshot('search')
    # The search page put the focus in its field: Enter opens the newest hit.
    ui.press('Return')
    # The chat opens (its composer is back) at the hit; the row itself is seen in the screenshot
    # (list rows are not in GTK 4.8's AT-SPI tree by name right away, see above).
    text_field(ui, ui.tr('Message'))
    ui.screenshot('search-hit-opened')

    # The contacts page lists the directory.
    ui.click(ui.find('page tab', ui.tr('Contacts')))
    someone = next(e for e in directory if e['id'] == other_id)
    ui.find(None, lambda n: n is not None and someone.get('name', '\0') in n, timeout=10)
    ui.screenshot('contacts')
    ui.click(ui.find('page tab', ui.tr('Chats')))

    # Offline: the banner shows, a message waits, and arrives once when the server is back.
    server.stop()
    ui.wait_for_text(ui.tr('You are offline. Messages will be sent when the connection is back.'),
                     timeout=30)
    open_chat(ui, title)
    composer = text_field(ui, ui.tr('Message'))
    offline_text = f'Отправлено без сети {uuid.uuid4().hex[:6]}'
    ui.set_text(composer, offline_text)
    ui.click(ui.find('push button', ui.tr('Send')))
    # At once, offline: the chat list previews it as the newest message (see above on rows).
    ui.wait_for_text(f"{ui.tr('You')}: {offline_text}", timeout=5)
    ui.screenshot('offline')
    server.start()
    wait_until('the message written offline reached the server',
               lambda: any(m['text'] == offline_text for m in anna.history(chat_id)), 60)
    time.sleep(2)
    copies = [m for m in anna.history(chat_id) if m['text'] == offline_text]
    ui.check(len(copies) == 1, f'the offline message is on the server exactly once, not {len(copies)}')

    # The administrator disables the account: the app wipes the cache and says so.
    ui.check(admin(db, 'user', 'disable', 'anna').returncode == 0, 'the admin disables anna')
    ui.wait_for_text(ui.tr('Account Deactivated'), timeout=40)
    ui.screenshot('deactivated')


if __name__ == '__main__':
    harness.main(test)
