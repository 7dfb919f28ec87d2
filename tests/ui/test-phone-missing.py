"""tests/ui/test-phone-missing.py: without the phone's module (libzveno-phone-ui, src/app/zv-phone-ui.h)
the messenger still works: the window opens on its chats, the Calls page says that calls are
unavailable and why (the loader's own reason, which names the file), the app's log has the same,
the Preferences window opens (without its Sound page), and the app quits cleanly."""

import os

import harness

MISSING = '/nonexistent/libzveno-phone-ui.so'


def test(ui):
    os.environ['ZVENO_PHONE_UI_MODULE'] = MISSING
    # The failed load is a g_warning (a broken installation), which the tests' fatal-warnings
    # would turn into a crash: here it is the point, so it must stay a warning.
    harness.APP_G_DEBUG = ','.join(f for f in (harness.APP_G_DEBUG or '').split(',')
                                   if f and f != 'fatal-warnings')
    ui.start()
    ui.wait_for_text(ui.tr('No Chats Yet'))

    ui.click_named('page tab', ui.tr('Calls'))
    ui.wait_for_texts(showing=[ui.tr('Calls Are Unavailable')], hidden=[ui.tr('No Calls Yet')])
    reason = [t for t in ui.texts() if MISSING in t]
    ui.check(reason, f'the Calls page does not say why calls are unavailable (no {MISSING!r} in it)')
    ui.screenshot('calls-unavailable')

    ui.click_named('page tab', ui.tr('Chats'))
    ui.wait_for_texts(showing=[ui.tr('No Chats Yet')], hidden=[ui.tr('Calls Are Unavailable')])

    ui.press('<Control>comma')
    ui.wait_for_window(ui.tr('Preferences'))
    ui.wait_for_texts(showing=[ui.tr('Appearance')], hidden=[ui.tr('Sound')])
    ui.screenshot('preferences')
    ui.press('Escape')

    # The loader's reason names the file (it is in the user's language, like the message around it).
    log = ui.app_log(tail=200)
    ui.check(MISSING in log and ui.tr('Calls are unavailable: the phone module could not be loaded (%s).')
             .split('%s')[0] in log, f'the app did not log the loader\'s reason:\n{log}')


harness.main(test)
