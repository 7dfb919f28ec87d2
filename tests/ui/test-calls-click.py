"""tests/ui/test-calls-click.py: calling without the dial pad, and who is calling, end to end against a
real zveno-server and Kamailio (tests/ui/test-calls.py's Office), through AT-SPI (issue 6).

Click-to-call from a contact: the Contacts page's search finds a colleague, their card opens from the
keyboard, its Call button calls them; the colleague's headless Zveno (`zveno-cli answer`) gets the
call and the in-call view names them.

A phone number in a message: a colleague writes "+7 495 123-45-67" in a chat; the app shows it as a
link, and a click on it calls that number (the app dials it in E.164, sip:+74951234567@domain). The
number belongs to a desk line, a SIP account whose login is the number (the phone system routes a
dialled number to the account of that name: Kamailio's subscriber table is the server's users), where
a headless Zveno answers and reports the call: the far end sees it.

The caller's card: an outside caller (SIPp through Kamailio, From +7 495 555-12-34 at another domain,
as a trunk delivers a call) is not in the directory but is a client in the CRM (`zveno-server admin
crm add`); the ringing banner and then the in-call view show the client's name and company from
GET /crm/lookup, and the number grouped as "+7 495 555-12-34". Screenshots of every step."""

import importlib.util
import re
import subprocess
import time
from pathlib import Path

import harness
import pyatspi

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location('test_calls', HERE / 'test-calls.py')
calls = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(calls)
_spec = importlib.util.spec_from_file_location('test_messaging', HERE / 'test-messaging.py')
messaging = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(messaging)
ks = calls.ks
from zvtest import admin  # noqa: E402 (tests/integration is on the path once test-calls.py is loaded)

# The desk line a message gives the number of, and the CRM client who calls in.
LINE_LOGIN = '+74951234567'
LINE_WRITTEN = '+7 495 123-45-67'
CLIENT_NAME = 'Ирина Соколова'
CLIENT_COMPANY = 'ООО «Ромашка»'
CLIENT_WRITTEN = '+7 495 555-12-34'
CLIENT_FROM = '+74955551234'


def click_text(ui, acc, substring):
    """A mouse click (XTest, as a person's) on the middle of @substring inside the one-line label
    @acc: GTK 4.8 exposes a label's links neither as children nor as actions. GTK 4.8 gives a
    label's accessible no character extents, so the spot is the share of the text before it across
    the label's width (a proportional font moves it a few pixels; the link is ~120 px wide)."""
    whole = ui.text_of(acc) or acc.name
    start = whole.find(substring)
    ui.check(start >= 0, f'the label shows {substring!r}: {whole!r}')
    x, y, w, h = harness._extents(acc)
    fx, fy = _window_origin(acc)
    middle = (start + len(substring) / 2) / len(whole)
    point = (int(fx + x + w * middle), int(fy + y + h / 2))
    pyatspi.Registry.generateMouseEvent(*point, 'b1c')
    return point


def _window_origin(acc):
    """Where AT-SPI's window coordinates of @acc start on the X screen: the largest X window named as
    its frame (GTK also makes small helper windows), moved in by the client-side shadow GTK
    announces in _GTK_FRAME_EXTENTS (left, right, top, bottom)."""
    frame = acc
    while frame is not None and frame.getRole() != pyatspi.ROLE_FRAME:
        frame = frame.parent
    out = subprocess.run(['xwininfo', '-root', '-tree'], capture_output=True, text=True, timeout=10).stdout
    found = []
    for line in out.splitlines():
        m = re.search(r'(0x[0-9a-f]+) "' + re.escape(frame.name) + r'":.*\s(\d+)x(\d+)[+-]-?\d+[+-]-?\d+\s+\+(-?\d+)\+(-?\d+)',
                      line)
        if m:
            found.append((int(m.group(2)) * int(m.group(3)), m.group(1), int(m.group(4)), int(m.group(5))))
    if not found:
        raise harness.UiTestFailure(f'xwininfo lists no window named {frame.name!r}:\n{out}')
    _, wid, x, y = max(found)
    extents = subprocess.run(['xprop', '-id', wid, '_GTK_FRAME_EXTENTS'], capture_output=True, text=True,
                             timeout=10).stdout
    m = re.search(r'=\s*(\d+),\s*(\d+),\s*(\d+),\s*(\d+)', extents)
    return (x + int(m.group(1)), y + int(m.group(3))) if m else (x, y)


def test(ui):
    office = calls.Office(ui, 'zveno-ui-click-')
    db = office.db
    colleague = office.colleagues[0]
    # The desk line whose number a message gives, and the CRM's client (before the app starts).
    added = admin(db, 'user', 'add', LINE_LOGIN, '--name', 'Reception Desk', '--password-stdin', stdin='demo\n')
    ui.check(added.returncode == 0, f'the desk line is added: {added.stderr}')
    added = admin(db, 'crm', 'add', CLIENT_NAME, '--phone', CLIENT_WRITTEN, '--company', CLIENT_COMPANY)
    ui.check(added.returncode == 0, f'the client is added to the CRM: {added.stderr}')
    card = office.anna.call('GET', '/crm/lookup?number=' + CLIENT_FROM.replace('+', '%2B'))
    ui.check(card.get('kind') == 'client', f'the server knows the caller as a client: {card}')

    other = calls.Api(office.api, colleague['login'], 'demo')
    title = 'Reception desk'
    chat = other.call('POST', '/chats', {'type': 'group', 'members': [office.anna.user['id']], 'title': title})
    other.call('POST', f"/chats/{chat['id']}/messages",
               {'client_id': 'ui-calls-click-1', 'text': f'Reception: {LINE_WRITTEN}, they know'})

    colleague_phone = office.phone(office.sign_in('colleague', colleague['login']), 'answer')
    line_phone = office.phone(office.sign_in('line', LINE_LOGIN), 'answer')
    for who, phone in (('the colleague', colleague_phone), ('the desk line', line_phone)):
        ui.check(phone.out.wait(r'^registered: ', 20) is not None, f'{who}\'s phone registers\n{phone.diag()}')
    office.sign_in_app()

    calls.start_on_calls_page(ui)

    # ---- a contact's Call ----
    ui.click(ui.find('page tab', ui.tr('Contacts')))
    ui.press('<Control>f')
    ui.set_text(messaging.text_field(ui, ui.tr('Search contacts')), colleague['name'])
    ui.find(None, lambda n: n is not None and colleague['name'] in n, timeout=10)
    ui.screenshot('contacts-search')
    ui.press('Tab')
    ui.press('Return')
    ui.find('push button', ui.tr('Write'), timeout=10)
    ui.wait_for_text(colleague['name'])
    # The card is in the content pane: its placeholder gives way, and the sidebar keeps the
    # directory (the list and its search) instead of turning into the card.
    ui.wait_for_texts(showing=[ui.tr('Write'), ui.tr('Call')], hidden=[ui.tr('No Contact Selected')])
    ui.find('list', ui.tr('Contacts'))
    ui.screenshot('contact-card')
    ui.click(ui.find('push button', ui.tr('Call')))
    ui.check(colleague_phone.out.wait(r'^incoming: sip:anna@', 15) is not None,
             f'the contact\'s Call reaches the colleague, from anna\n{colleague_phone.diag()}')
    ui.find('push button', ui.tr('Hang Up'))
    # The in-call view names them, with the number Call dialled (their extension).
    ui.wait_for_text(colleague['name'])
    ui.wait_for_text(colleague['phones']['extension'])
    ui.wait_for_text(re.compile(r'^00:0[1-9]$'), timeout=15)
    ui.screenshot('contact-in-call')
    ui.click(ui.find('push button', ui.tr('Hang Up')))
    ui.check(colleague_phone.out.wait(r'^ended: ', 10) is not None,
             f'the colleague sees the call end\n{colleague_phone.diag()}')
    ui.click(ui.find('push button', ui.tr('Done')))

    # ---- the one search field filters the Calls page too ----
    # It still holds the colleague's name from the Contacts search: on the Calls page it finds
    # the call just made (it said "No Results Found" before the page could be searched).
    ui.click(ui.find('page tab', ui.tr('Calls')))
    extension = colleague['phones']['extension']
    made = re.compile(re.escape(f"{colleague['name']}, {extension}") + '.*' + re.escape(ui.tr('Outgoing')) + '.*')
    calls.wait_history_top(ui, 'the call just made, found by the name searched', made)
    ui.wait_for_texts(hidden=[ui.tr('No Results Found')], timeout=5)
    ui.screenshot('calls-search-name')
    field = messaging.text_field(ui, ui.tr('Search calls'))
    # A number finds the calls with it whatever way it is written: "2 0 0 2" for extension 2002.
    ui.set_text(field, ' '.join(extension))
    calls.wait_history_top(ui, 'the call found by its number', made)
    ui.set_text(field, 'Nobody Of That Name')
    ui.wait_for_text(ui.tr('No Results Found'))
    ui.screenshot('calls-search-none')
    # Cleared: the whole history again (more calls than the colleague's), newest first. The rows
    # GTK rebuilds here are not all hit-testable through AT-SPI at once; the list's description
    # names its first row, and the screenshot shows the list.
    ui.set_text(field, '')
    ui.wait_for_texts(hidden=[ui.tr('No Results Found')], timeout=5)
    history = ui.find('list', ui.tr('Call history'), showing=False)
    calls.wait_until('the history names the call just made as its newest',
                     lambda: made.fullmatch((history.description or '').partition(': ')[2]), 10)
    ui.screenshot('calls-search-cleared')

    # ---- a phone number in a message ----
    ui.click(ui.find('page tab', ui.tr('Chats')))
    messaging.open_chat(ui, title)
    # The sidebar's search filters every page: cleared, the Calls page shows its history again.
    ui.set_text(messaging.text_field(ui, ui.tr('Search chats')), '')
    # The message in the conversation (the chat list's preview says it too, left of the pane).
    pane_x = harness._extents(ui.find(None, ui.tr('Message')))[0]
    label = ui.find('label', lambda n: n is not None and LINE_WRITTEN in n, timeout=10)
    label = next((a for a in ui.find_all('label', lambda n: n is not None and LINE_WRITTEN in n)
                  if harness._extents(a)[0] >= pane_x - 40), label)
    ui.screenshot('message-with-number')
    point = click_text(ui, label, LINE_WRITTEN)
    ui.check(line_phone.out.wait(r'^incoming: sip:anna@', 15) is not None,
             f'the number in the message, clicked at {point}, is called: the desk line rings\n{line_phone.diag()}')
    ui.find('push button', ui.tr('Hang Up'))
    ui.wait_for_text(LINE_WRITTEN)
    ui.wait_for_text(re.compile(r'^00:0[1-9]$'), timeout=15)
    ui.screenshot('message-number-in-call')
    ui.click(ui.find('push button', ui.tr('Hang Up')))
    ui.check(line_phone.out.wait(r'^ended: ', 10) is not None, f'the desk line sees the call end\n{line_phone.diag()}')
    ui.click(ui.find('push button', ui.tr('Done')))

    # ---- an outside caller the CRM knows ----
    sip_port = office.server.extra[-1].rsplit(':', 1)[1]
    scenario = Path(office.tmp) / 'uac-client.xml'
    scenario.write_text((HERE.parent / 'integration' / 'sipp' / 'uac-call.xml').read_text(encoding='iso-8859-1')
                        .replace('sip:sipp@outside.invalid', f'sip:{CLIENT_FROM}@outside.invalid'),
                        encoding='iso-8859-1')
    argv, base = office.kh._sipp_argv(str(scenario), 'client', timeout=60)
    office.kh.start('sipp-client', argv + ['-s', 'anna', '-d', '30000', f'{ks.LOOPBACK}:{sip_port}'])
    ui.wait_for_text(ui.tr('Incoming call from %s').replace('%s', CLIENT_NAME), timeout=20)
    # The card's second line: the client's company and the number calling, written as the app
    # writes numbers (the From said +74955551234).
    ui.wait_for_text(ui.tr('%s · %s') % (CLIENT_COMPANY, CLIENT_WRITTEN))
    ui.screenshot('incoming-client')
    ui.click(ui.find('push button', ui.tr('Answer')))
    ui.find('push button', ui.tr('Hang Up'))
    ui.wait_for_text(CLIENT_NAME)
    ui.wait_for_text(CLIENT_COMPANY)
    ui.wait_for_text(CLIENT_WRITTEN)
    ui.wait_for_text(re.compile(r'^00:0[1-9]$'), timeout=15)
    ui.screenshot('client-in-call')
    ui.click(ui.find('push button', ui.tr('Hang Up')))
    ui.wait_for_text(re.compile('^' + re.escape(ui.tr('Call ended')) + '.*'))
    time.sleep(0.5)


if __name__ == '__main__':
    harness.main(test)
