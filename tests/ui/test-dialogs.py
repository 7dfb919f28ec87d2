"""tests/ui/test-dialogs.py: Preferences and Keyboard Shortcuts open from the Main Menu and from
their keyboard shortcuts (Ctrl+, and Ctrl+?), show their first group, and close with Escape."""

import harness


def open_and_close(ui, step, opener, expected_text):
    before = [w.acc for w in ui.windows()]
    opener()
    window = ui.wait_for_new_window(before)
    ui.wait_for_text(ui.tr(expected_text), root=window)
    ui.screenshot(step)
    ui.press('Escape')
    ui.wait_window_gone(window)


def test(ui):
    ui.start()
    ui.wait_for_text(ui.tr('No Chats Yet'))

    open_and_close(ui, 'preferences', lambda: ui.choose_from_main_menu('_Preferences'), 'General')
    open_and_close(ui, 'shortcuts', lambda: ui.choose_from_main_menu('_Keyboard Shortcuts'),
                   'General')
    open_and_close(ui, 'preferences-by-key', lambda: ui.press('<Control>comma'), 'General')
    open_and_close(ui, 'shortcuts-by-key', lambda: ui.press('<Control>question'), 'General')


harness.main(test)
