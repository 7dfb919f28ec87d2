"""tests/ui/test-calls-waiting.py: two calls at once in the app, end to end, against a real
zveno-server and Kamailio, with headless Zvenos (`zveno-cli`) signed in as two colleagues, B and C.

Call waiting: the app calls B (`zveno-cli answer`); during that call C calls the app; the banner says
"Second call" and offers Hold and Answer, End and Answer and Decline; Hold and Answer holds B (B's
phone prints "remote-hold: on") and answers C (C's phone prints "answered"); the in-call view shows
B as a held row with Resume; the app hangs up C and Resume brings B back (B: "remote-hold: off").

Add call and attended transfer: the app calls B, Add Call opens the dial pad, the app calls C (B is
held); Transfer offers "Transfer to C"; B is REFERred with a Replaces naming the app's call with C,
calls C and takes that call's place: B prints "transferred-to" C, C's call with the app ends as
"replaced", and B and C talk. Screenshots of the waiting banner and the two-call view."""

import importlib.util
import re
from pathlib import Path

import harness

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location('test_calls', HERE / 'test-calls.py')
calls = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(calls)


def count(lines, pattern):
    return len(re.findall(pattern, lines.text(), re.M))


def wait_more(lines, pattern, before, timeout):
    """Waits for one more line matching @pattern than there were (@before): a phone's output grows
    over several calls."""
    return calls.wait_until(f'{pattern!r} once more', lambda: count(lines, pattern) > before, timeout)


def test(ui):
    office = calls.Office(ui, 'zveno-ui-waiting-')
    b, c = office.colleagues[0], office.colleagues[1]
    b_dir = office.sign_in('b', b['login'])
    c_dir = office.sign_in('c', c['login'])
    office.sign_in_app()

    b_phone = office.phone(b_dir, 'answer')
    ui.check(b_phone.out.wait(r'^registered: ', 20) is not None, f'B\'s phone registers\n{b_phone.diag()}')

    calls.start_on_calls_page(ui)

    def dial(extension):
        calls.dial(ui, extension)

    # ---- call waiting ----
    ui.click(ui.find('push button', ui.tr('Dial Pad')))
    dial(b['phones']['extension'])
    ui.check(b_phone.out.wait(r'^answered: ', 15) is not None, f'B answers the app\'s call\n{b_phone.diag()}')
    ui.wait_for_text(re.compile(r'^00:0[1-9]$'), timeout=15)

    c_caller = office.phone(c_dir, 'call', f'sip:anna@{calls.ks.LOOPBACK}', '--duration', '30')
    ui.check(c_caller.out.wait(r'^calling: ', 15) is not None, f'C dials anna\n{c_caller.diag()}')
    second = ui.tr('Second call from %s').replace('%s', c['name'])
    ui.wait_for_text(second, timeout=15)
    notified = calls.wait_until('a notification for the second call',
                                lambda: (lambda t: t if 'end-answer' in t else None)(calls.notify_calls()), 10)
    ui.check(second in notified or c['name'] in notified, f'the notification names the second caller: {notified[:600]}')
    ui.find('push button', ui.tr('End and Answer'))
    ui.find('push button', ui.tr('Decline'))
    ui.screenshot('waiting-banner')
    ui.click(ui.find('push button', ui.tr('Hold and Answer')))
    ui.check(b_phone.out.wait(r'^remote-hold: on', 10) is not None,
             f'Hold and Answer holds the first call (B hears it)\n{b_phone.diag()}')
    ui.check(c_caller.out.wait(r'^answered: ', 10) is not None,
             f'Hold and Answer answers the second call\n{c_caller.diag()}')
    resume = ui.find('push button', ui.tr('Resume'))
    ui.wait_for_text(b['name'])
    ui.wait_for_text(c['name'])
    ui.wait_for_text(re.compile(r'^00:0[1-9]$'), timeout=10)
    ui.screenshot('two-calls')

    ui.click(ui.find('push button', ui.tr('Hang Up')))
    ui.check(c_caller.out.wait(r'^ended: ', 10) is not None, f'the second call ends\n{c_caller.diag()}')
    ui.check(b_phone.out.text().count('remote-hold: off') == 0, 'B stays held after the second call ends')
    ui.click(resume)
    ui.check(b_phone.out.wait(r'^remote-hold: off', 10) is not None,
             f'Resume brings the first call back (B hears it)\n{b_phone.diag()}')
    hold = ui.find(None, ui.tr('Hold'))
    calls.wait_until('the resumed call is in the foreground, not held', lambda: not ui.is_checked(hold), 5)
    ui.click(ui.find('push button', ui.tr('Hang Up')))
    ui.check(b_phone.out.wait(r'^ended: ', 10) is not None, f'the first call ends\n{b_phone.diag()}')
    ui.click(ui.find('push button', ui.tr('Done')))
    c_caller.stop()

    # ---- add call, attended transfer ----
    c_phone = office.phone(c_dir, 'answer')
    ui.check(c_phone.out.wait(r'^registered: ', 20) is not None, f'C\'s phone registers\n{c_phone.diag()}')
    b_answered = count(b_phone.out, r'^answered: ')
    b_ended = count(b_phone.out, r'^ended: ')
    dial(b['phones']['extension'])
    wait_more(b_phone.out, r'^answered: ', b_answered, 15)
    ui.wait_for_text(re.compile(r'^00:0[1-9]$'), timeout=15)
    ui.click(ui.find('push button', ui.tr('Add Call')))
    dial(c['phones']['extension'])
    ui.check(c_phone.out.wait(r'^answered: ', 15) is not None, f'C answers the added call\n{c_phone.diag()}')
    ui.find('push button', ui.tr('Resume'))
    ui.wait_for_text(re.compile(r'^00:0[1-9]$'), timeout=15)
    ui.click(ui.find(None, ui.tr('Transfer')))
    to_c = ui.tr('Transfer to %s').replace('%s', c['name'])
    ui.screenshot('transfer-to-other')
    ui.click(ui.find('push button', to_c))
    ui.check(b_phone.out.wait(r'^transferred-to: .*' + re.escape(c['login']), 15) is not None,
             f'B is transferred to C (REFER with Replaces)\n{b_phone.diag()}')
    ui.check(c_phone.out.wait(r'^ended: replaced', 15) is not None,
             f'B\'s call takes the place of the app\'s call at C\n{c_phone.diag()}')
    ui.check(b_phone.out.wait(r'^ended: transferred', 10) is not None and count(b_phone.out, r'^ended: ') > b_ended,
             f'B\'s call with the app ends as transferred\n{b_phone.diag()}')
    ui.wait_for_text(re.compile('^' + re.escape(ui.tr('Call ended')) + '.*'), timeout=10)
    ui.wait_gone('push button', ui.tr('Resume'), timeout=10)
    ui.screenshot('after-transfer')


if __name__ == '__main__':
    harness.main(test)
