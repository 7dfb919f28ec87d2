"""tests/ui/test-russian.py: with LANGUAGE=ru the window, the Main Menu and the About window show
the Russian strings from po/ru.po ("Чаты", "Звонки", "Контакты", ...) and none of our English ones."""

import re

import harness

CYRILLIC = re.compile('[А-Яа-яЁё]')


def expect_russian(ui, msgid):
    text = ui.tr(msgid)
    ui.check(text != msgid.replace('_', '') and CYRILLIC.search(text),
             f'po/ru.po has no Russian translation for {msgid!r} (got {text!r})')
    return text


def no_english(ui, where, root=None):
    left = ui.untranslated_texts(root)
    ui.check(not left, f'English text in the Russian {where}:\n' +
             '\n'.join(f'  {en!r} (ru.po says {ru!r})' for en, ru in left))


def test(ui):
    ui.check(ui.lang == 'ru', 'run this test with --lang ru')
    ui.start()
    for msgid in ('Chats', 'Calls', 'Contacts'):
        ui.find('page tab', expect_russian(ui, msgid))
        ui.check(not ui.find_all(None, msgid), f'the English {msgid!r} is showing')
    ui.wait_for_text(expect_russian(ui, 'No Chats Yet'))
    ui.wait_for_text(expect_russian(ui, 'No Chat Selected'))
    no_english(ui, 'main window')
    ui.screenshot('window')

    menu = ui.open_main_menu()
    for item in ('_Preferences', '_Keyboard Shortcuts', '_About Zveno', '_Quit'):
        ui.find('menu item', expect_russian(ui, item), root=menu)
    no_english(ui, 'main menu', root=menu)
    ui.screenshot('main-menu')
    ui.press('Escape')
    ui.wait_gone('menu')

    ui.click_named('page tab', ui.tr('Calls'))
    ui.wait_for_text(expect_russian(ui, 'No Calls Yet'))
    no_english(ui, 'Calls page')
    ui.click_named('page tab', ui.tr('Contacts'))
    ui.wait_for_text(expect_russian(ui, 'No Contacts Yet'))
    no_english(ui, 'Contacts page')
    ui.screenshot('contacts')


harness.main(test)
