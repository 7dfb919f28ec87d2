"""tests/ui/test-window.py: the main window opens on the Chats page with its empty states, shows the
sidebar's Search and Main Menu buttons, and every control in it has an accessible name."""

import harness


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

    unnamed = ui.unnamed_controls()
    ui.check(not unnamed, 'controls without an accessible name (set one in the .ui file):\n' +
             '\n'.join(f'  {n!r}' for n in unnamed))


harness.main(test)
