"""tests/ui/test-single-instance.py: launching zveno a second time hands over to the running one
(GApplication on the session bus): the second process exits by itself with status 0 and there is
still exactly one main window."""

import time

import harness


def test(ui):
    ui.start()
    ui.wait_for_text(ui.tr('No Chats Yet'))
    frames = [w for w in ui.windows() if w.role == 'frame']
    ui.check(len(frames) == 1, f'expected one main window at start, found {frames}')

    second = ui.launch()
    ui.wait_exit(second)
    # The first process handles the remote activation before the second one exits; half a second
    # more lets a wrongly opened window reach the accessibility tree before we count.
    time.sleep(0.5)
    frames = [w for w in ui.windows() if w.role == 'frame']
    ui.check(len(frames) == 1, f'a second launch opened another window: {frames}')
    ui.screenshot('after-second-launch')


harness.main(test)
