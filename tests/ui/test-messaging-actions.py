"""tests/ui/test-messaging-actions.py: message actions and files end to end against a real
zveno-server, through AT-SPI: react to a colleague's message from its "Message Actions" menu (the
server has the reaction, the row shows it); attach a file through the composer's attach dialog (the
server has it, same bytes); files the company policy refuses by type and by size are explained above
the composer and nothing reaches the server; anna's own message turns "Read" (double tick) once a
colleague marks the chat read through the API. Screenshots of every state."""

import hashlib
import importlib
import os
import re
import sqlite3
import sys
import tempfile
import time
import uuid

import harness

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'integration'))
os.environ.setdefault('ZVENO_BUILD_ROOT', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'build'))
from zvtest import Api, Server, admin, seed  # noqa: E402

# The sign-in and chat helpers of the end-to-end messaging test.
messaging = importlib.import_module('test-messaging')
wait_until = messaging.wait_until

MAX_FILE_SIZE = 1024 * 1024


def server_files(db):
    """Every file and every upload session the server holds (read from its database)."""
    with sqlite3.connect(f'file:{db}?mode=ro', uri=True, timeout=10) as conn:
        return [row[0] for row in conn.execute('SELECT name FROM files')]


def sign_in(ui, url):
    ui.click(ui.find('push button', ui.tr('Sign In…')))
    ui.wait_for_text(ui.tr('Welcome to Zveno'))
    ui.set_text(ui.find(None, ui.tr('Server or work e-mail')), url)
    ui.set_text(ui.find(None, ui.tr('Login')), 'anna')
    ui.set_text(ui.find(None, ui.tr('Password')), 'demo')
    ui.click(ui.find('push button', ui.tr('Sign In')))


def message_row(ui, prefix):
    """The conversation's row whose accessible name ("Sender: text, time") starts with prefix."""
    return ui.find('filler', lambda n: n is not None and n.startswith(prefix), timeout=10)


def attach_through_dialog(ui, path):
    """The composer's attach button, then GTK's file chooser: type the path, press Enter."""
    known = [w.acc for w in ui.windows()]
    ui.click(ui.find('push button', ui.tr('Attach Files')))
    dialog = ui.wait_for_new_window(known)
    ui.check(ui.tr('Attach Files') in (dialog.name or ''), f'the attach dialog opened: {dialog.name!r}')
    # Ctrl+L opens the location field of GTK's file chooser; a person types a path there.
    ui.press('<Control>l')
    field = None
    deadline = time.monotonic() + 10
    while field is None and time.monotonic() < deadline:
        fields = [n.acc for n in ui.walk(dialog) if n.role in ('text', 'entry')
                  and harness._safe(lambda n=n: n.acc.queryEditableText(), None) is not None]
        field = fields[0] if fields else None
        if field is None:
            time.sleep(0.1)
    ui.check(field is not None, 'the file chooser shows a location field')
    ui.set_text(field, path)
    ui.screenshot('attach-dialog')
    ui.press('Return')
    # GTK 4.8 can answer an AT-SPI query about a dialog that is being destroyed with a NULL object
    # path (GLib-CRITICAL "g_variant_is_object_path", fatal in tests; seen 3 times in ~100 runs,
    # with and without the app's changes): the dialog is given a moment to go before it is polled.
    time.sleep(0.5)
    ui.wait_window_gone(dialog)


def test(ui):
    tmp = tempfile.mkdtemp(prefix='zveno-ui-actions-')
    db = os.path.join(tmp, 'server.db')
    ui.check(seed(db, 12, 8, 400, 5).returncode == 0, 'the demo company is seeded')
    ui.check(admin(db, 'policy', 'set', 'max_file_size', str(MAX_FILE_SIZE)).returncode == 0,
             'the policy allows files up to 1 MiB')
    server = Server(db)
    server.start()
    ui.defer(server.stop)
    harness.start_keyring()
    os.environ['ZVENO_DATA_DIR'] = os.path.join(tmp, 'data')
    api = server.url + '/api/v1'
    anna = Api(api, 'anna', 'demo')
    chats = anna.call('GET', '/sync?history=1')['chats']
    # A group chat anna has read, so it opens at its newest message.
    titled = sorted([c for c in chats if c.get('title')], key=lambda c: c.get('unread_count') or 0)
    ui.check(titled, 'anna has a titled group chat')
    chat_id, title = titled[0]['id'], titled[0]['title']
    members = anna.call('GET', f'/chats/{chat_id}')['members']
    other_id = next(m for m in members if m != anna.user['id'])
    directory = anna.call('GET', '/directory?limit=1000')['entries']
    other_entry = next(e for e in directory if e['id'] == other_id)
    other = Api(api, other_entry['login'], 'demo')

    group_title = f'Отчёт {uuid.uuid4().hex[:4]}'
    group = anna.call('POST', '/chats', {'type': 'group', 'members': [other_id], 'title': group_title})
    mine = f'Отчёт готов, посмотрите {uuid.uuid4().hex[:6]}'
    own = anna.call('POST', f"/chats/{group['id']}/messages", {'client_id': str(uuid.uuid4()), 'text': mine})

    ui.start()
    sign_in(ui, server.url)
    ui.find('label', title, timeout=30)

    # ---- read by others: in a new group with the colleague, anna's message shows "Sent" (one
    # tick), then "Read" (two) once the colleague's client marks the chat read: the read_marker
    # event updates the open chat. (A new chat, so its row is among those GTK 4.8 lists in its
    # AT-SPI tree: rows made after a list's first frame are not, see test-messaging.py.)
    messaging.open_chat(ui, group_title)
    row = message_row(ui, f"{ui.tr('You')}: {mine}, ")
    wait_until('anna\'s message shows as sent, not read',
               lambda: (row.name or '').endswith(', ' + ui.tr('Sent')), 10)
    ui.find('image', ui.tr('Sent'), root=row)
    ui.screenshot('sent')
    marker = other.call('POST', f"/chats/{group['id']}/read", {'message_id': own['id']})
    ui.check(marker['message_id'] >= own['id'], f'the colleague\'s read marker moved: {marker}')
    wait_until('anna\'s message shows as read by the colleague',
               lambda: (row.name or '').endswith(', ' + ui.tr('Read')), 5)
    ui.find('image', ui.tr('Read'), root=row)
    ui.screenshot('read')
    # Back to the list with no chat open (another page and back), then the seeded chat.
    ui.click(ui.find('page tab', ui.tr('Contacts')))
    ui.click(ui.find('page tab', ui.tr('Chats')))

    messaging.open_chat(ui, title)
    composer = messaging.text_field(ui, ui.tr('Message'))

    def history():
        return anna.call('GET', f'/chats/{chat_id}/messages?limit=30')['messages']

    # ---- react: the colleague's newest message, from its "Message Actions" menu.
    incoming = f'Посмотрите отчёт {uuid.uuid4().hex[:6]}'
    sent = other.call('POST', f'/chats/{chat_id}/messages', {'client_id': str(uuid.uuid4()), 'text': incoming})
    row = message_row(ui, f"{other_entry['name']}: {incoming}")
    menu_button = ui.find('push button', ui.tr('Message Actions'), root=row)
    ui.click(menu_button)
    menu = ui.find('menu')
    ui.click(ui.find('menu item', ui.tr('React'), root=menu))
    ui.click(ui.find('menu item', ui.tr('React with %s') % '👍'))

    def reacted():
        m = next((m for m in history() if m['id'] == sent['id']), None)
        return m is not None and any(r['emoji'] == '👍' and anna.user['id'] in r['user_ids']
                                     for r in m.get('reactions') or [])
    wait_until('the server has anna\'s 👍 on the message', reacted, 10)
    # The row shows the reaction as a pill that names it for a screen reader.
    pill_name = re.compile('^' + re.escape(ui.ntr('%s reaction from %u person, including you',
                                                   '%s reaction from %u people, including you', 1)
                                           .replace('%s', '👍').replace('%u', '1')) + '$')
    ui.find('push button', pill_name, root=row, timeout=10)
    ui.screenshot('reacted')

    # ---- attach: a file through the attach dialog reaches the server with the same bytes.
    report = os.path.join(tmp, 'квартальный отчёт.txt')
    payload = ('Квартальный отчёт: выручка выросла на 12 %.\n' * 200).encode()
    with open(report, 'wb') as f:
        f.write(payload)
    attach_through_dialog(ui, report)

    def uploaded():
        for m in history():
            for a in m.get('attachments') or []:
                if a.get('name') == os.path.basename(report):
                    return a
        return None
    attachment = wait_until('the server has the attached file in a message', uploaded, 20)
    meta = anna.call('GET', f"/files/{attachment['id']}/meta")
    ui.check(meta['size'] == len(payload), f"the server's file has {meta['size']} bytes, not {len(payload)}")
    ui.check(meta['sha256'] == hashlib.sha256(payload).hexdigest(), 'the server has the same bytes')
    # Its file card (name, size, open and save) is seen in the screenshot: a list row made after
    # the list's first frame is not in GTK 4.8's AT-SPI tree (see test-messaging.py).
    time.sleep(0.5)
    ui.screenshot('attached')

    # ---- refused by the policy: a blocked type, then a file too large. Nothing is uploaded.
    before = server_files(db)
    blocked = os.path.join(tmp, 'setup.exe')
    with open(blocked, 'wb') as f:
        f.write(b'MZ' + b'\0' * 1000)
    attach_through_dialog(ui, blocked)
    reason = ui.tr('“%s” cannot be sent: your company does not allow .%s files.') % ('setup.exe', 'exe')
    ui.wait_for_text(reason)
    ui.screenshot('refused-type')
    ui.click(ui.find('push button', ui.tr('Dismiss')))
    ui.wait_gone(None, reason)

    big = os.path.join(tmp, 'видео.mp4')
    with open(big, 'wb') as f:
        f.write(os.urandom(MAX_FILE_SIZE + 4096))
    attach_through_dialog(ui, big)
    too_large = re.compile('^' + re.escape(ui.tr('“%s” is too large to send (%s); your company allows files up to %s.')
                                           .split('%s')[0] + 'видео.mp4'))
    ui.find(None, too_large)
    ui.screenshot('refused-size')
    time.sleep(1)
    ui.check(server_files(db) == before, f'nothing was uploaded: the server now has {server_files(db)}')
    names = [a.get('name') for m in history() for a in (m.get('attachments') or [])]
    ui.check('setup.exe' not in names and 'видео.mp4' not in names, f'no message carries a refused file: {names}')
    ui.check(ui.text_of(composer) == '', 'the composer is left empty')


if __name__ == '__main__':
    harness.main(test)
