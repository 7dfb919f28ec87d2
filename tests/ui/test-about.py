"""tests/ui/test-about.py: About opens from the Main Menu, like a person would open it, shows the
name and the version of this build, closes with Escape; then Quit in the same menu ends the app
cleanly (exit status 0)."""

import harness


def test(ui):
    ui.start()
    main = ui.wait_for_window(ui.tr('Zveno'))
    before = [w.acc for w in ui.windows()]

    menu = ui.open_main_menu()
    for item in ('_Preferences', '_Keyboard Shortcuts', '_About Zveno', '_Quit'):
        ui.find('menu item', ui.tr(item), root=menu)
    ui.screenshot('main-menu')
    ui.click(ui.find('menu item', ui.tr('_About Zveno'), root=menu))

    about = ui.wait_for_new_window(before)
    ui.wait_for_text(ui.tr('Zveno'), root=about)
    ui.check(ui.version != '', 'config.h has no PACKAGE_VERSION')
    ui.wait_for_text(ui.version, root=about)
    ui.screenshot('about')

    ui.press('Escape')
    ui.wait_window_gone(about)
    ui.check(ui.is_showing(main), 'the main window is gone after closing About')
    ui.screenshot('about-closed')

    ui.choose_from_main_menu('_Quit')
    ui.wait_exit(ui.primary)


harness.main(test)
