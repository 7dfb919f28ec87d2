"""tests/ui/test-pages.py: switching Chats, Calls and Contacts in the sidebar shows each page: its
tab becomes selected, its empty state and its content placeholder show, the other pages' do not."""

import harness

# (tab, sidebar empty state, content placeholder), as msgids.
PAGES = [
    ('Chats', 'No Chats Yet', 'No Chat Selected'),
    # The Calls content is the dial pad (its Delete Last Digit button stands for it).
    ('Calls', 'No Calls Yet', 'Delete Last Digit'),
    ('Contacts', 'No Contacts Yet', 'No Contact Selected'),
]


def test(ui):
    ui.start()
    ui.wait_for_text(ui.tr('No Chats Yet'))
    # Visit every page, then come back to the first one: a page must also show again.
    for tab, empty, placeholder in PAGES[1:] + PAGES[:1]:
        tab_acc = ui.click_named('page tab', ui.tr(tab))
        others = [p for p in PAGES if p[0] != tab]
        ui.wait_for_texts(showing=[ui.tr(empty), ui.tr(placeholder)],
                          hidden=[ui.tr(t) for _, e, p in others for t in (e, p)])
        ui.check(ui.is_selected(tab_acc), f'tab {ui.tr(tab)!r} is not selected after clicking it')
        for other_tab, _, _ in others:
            other = ui.find('page tab', ui.tr(other_tab))
            ui.check(not ui.is_selected(other), f'tab {ui.tr(other_tab)!r} is still selected')
        ui.screenshot(tab.lower())


harness.main(test)
