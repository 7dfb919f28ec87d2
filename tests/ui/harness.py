"""tests/ui/harness.py: drives the real Zveno app through AT-SPI, the way a screen reader sees it.

Every UI test is a small script run by tests/ui/run-ui-test.sh (its own Xvfb, session bus and AT-SPI
bus) with /usr/bin/python3 (the one with pyatspi). A test looks like:

    import harness

    def test(ui):
        ui.start()
        ui.click(ui.find('page tab', 'Calls'))
        ui.wait_for_text('No Calls Yet')
        ui.screenshot('calls')

    harness.main(test)

`main` parses `--lang` (LANGUAGE for the app; `ui.tr()` gives the strings the app then shows) and
starts nothing by itself: the test calls `ui.start()`, and may `ui.launch()` more copies. On any
failure it prints what was looked for, the app's visible accessible tree and the tail of the app's
output, and saves a screenshot; teardown quits the app through its 'quit' action and fails the test
if the app crashed or did not exit with status 0.

What "showing" means here: GTK 4.8 puts every visible widget in the tree and marks none as SHOWING, and
a GtkStack/AdwViewStack keeps the old allocation of a page it hid. So a node counts as showing when it
has a non-empty area and, where it overlaps a sibling, GTK's own hit test (GetAccessibleAtPoint) at its
centre or on its labels lands inside it.
"""

import argparse
import gettext
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import traceback

# The app gets the test environment's G_DEBUG (fatal-warnings is for our code); this process must
# not: libatspi warns here when another program's accessible vanishes while we read it, and GLib
# reads G_DEBUG once, when it is loaded (by the `import gi` below).
APP_G_DEBUG = os.environ.get('G_DEBUG')
if APP_G_DEBUG is not None:
    os.environ['G_DEBUG'] = ','.join(f for f in APP_G_DEBUG.split(',') if f and f != 'fatal-warnings')

import gi  # noqa: E402

gi.require_version('Atspi', '2.0')
gi.require_version('Gio', '2.0')
from gi.repository import Atspi, Gio, GLib  # noqa: E402

import pyatspi  # noqa: E402

SKIP = 77
DEFAULT_TIMEOUT = float(os.environ.get('ZVENO_UI_TIMEOUT', '10'))
POLL_INTERVAL = 0.1

# Roles whose node is a surface of its own (a window or a popover): hit tests start from there.
SURFACE_ROLES = {'frame', 'dialog', 'window', 'menu', 'popup menu', 'alert', 'file chooser',
                 'tool tip', 'application'}

# Roles a person operates; each needs an accessible name.
CONTROL_ROLES = {'push button', 'toggle button', 'check box', 'radio button', 'page tab', 'menu item',
                 'check menu item', 'radio menu item', 'entry', 'password text', 'combo box',
                 'spin button', 'slider', 'switch', 'link', 'list item'}
TYPE_NAME = re.compile(r'^(?:Gtk|Adw|Zv)[A-Z]\w*$')


class UiTestFailure(AssertionError):
    """A check in a UI test failed; the message says what was expected and what was found."""


def _matches(pattern, value):
    if pattern is None:
        return True
    if isinstance(pattern, re.Pattern):
        return value is not None and pattern.search(value) is not None
    if callable(pattern):
        return bool(pattern(value))
    return value == pattern


def _describe(role, name):
    parts = []
    if role is not None:
        parts.append(f"role '{role}'")
    if name is not None:
        shown = name.pattern if isinstance(name, re.Pattern) else name
        parts.append(f"name {shown!r}")
    return ' and '.join(parts) or 'anything'


class Node:
    """One accessible with the facts we read once per walk (every read is a D-Bus round trip)."""

    __slots__ = ('acc', 'role', 'name', 'extents', 'depth', 'parent')

    def __init__(self, acc, depth, parent):
        self.acc = acc
        self.depth = depth
        self.parent = parent
        self.role = _safe(lambda: acc.getRoleName(), '?')
        self.name = _safe(lambda: acc.name, '') or ''
        self.extents = _extents(acc)

    def __repr__(self):
        ext = '' if self.extents is None else ' @%d,%d %dx%d' % self.extents
        return f"{self.role} {self.name!r}{ext}"


def _safe(fn, default):
    try:
        return fn()
    except (GLib.Error, RuntimeError, NotImplementedError, AttributeError):
        return default


def _extents(acc):
    # WINDOW coordinates only: GTK 4.8 warns on screen coordinates ("Screen coordinates not
    # supported"), and the app runs with G_DEBUG=fatal-warnings.
    try:
        comp = acc.queryComponent()
    except NotImplementedError:
        return None
    try:
        e = comp.getExtents(pyatspi.WINDOW_COORDS)
    except (GLib.Error, RuntimeError):
        return None
    return (e.x, e.y, e.width, e.height)


def _overlap(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


class Zveno:
    """One UI test's view of the app: launching, finding, acting, screenshots and teardown."""

    def __init__(self, test_name, lang='en'):
        self.test_name = test_name
        self.lang = lang
        self.build_root = os.environ.get('ZVENO_BUILD_ROOT')
        if not self.build_root or not os.path.isdir(self.build_root):
            raise UiTestFailure('ZVENO_BUILD_ROOT is not set to the build directory '
                                '(tests/meson.build sets it; run through meson test)')
        self.binary = os.environ.get('ZVENO_UI_BINARY',
                                     os.path.join(self.build_root, 'src', 'app', 'zveno'))
        config = _read_config_h(os.path.join(self.build_root, 'config.h'))
        self.app_id = config.get('APPLICATION_ID', 'org.zveno.Zveno')
        self.version = config.get('PACKAGE_VERSION', '')
        self._catalog = None
        self.shot_dir = os.path.join(self.build_root, 'tests', 'screenshots')
        self.shot_count = 0
        self.processes = []          # every zveno we launched, first one is the primary
        self.logs = {}               # pid -> path of its captured stderr+stdout
        self._deferred = []          # teardown the test handed over (defer())
        self.log_dir = os.environ.get('ZVENO_TEST_TMPDIR') or os.environ.get('TMPDIR', '/tmp')
        self._app = None
        os.makedirs(self.shot_dir, exist_ok=True)
        # Old screenshots of this test would mislead whoever looks at the folder.
        prefix = f'{self.test_name}-{self.lang}-'
        for f in os.listdir(self.shot_dir):
            if f.startswith(prefix) and f.endswith('.png'):
                os.unlink(os.path.join(self.shot_dir, f))

    # ------------------------------------------------------------------ language

    def catalog(self):
        """The app's compiled translations for this test's language (BUILD/po/LANG/.../zveno.mo)."""
        if self._catalog is None:
            if self.lang == 'en':
                self._catalog = gettext.NullTranslations()
            else:
                mo = os.path.join(self.build_root, 'po', self.lang, 'LC_MESSAGES', 'zveno.mo')
                if not os.path.isfile(mo):
                    raise UiTestFailure(f'{mo} does not exist: is {self.lang} in po/LINGUAS?')
                with open(mo, 'rb') as f:
                    self._catalog = gettext.GNUTranslations(f)
        return self._catalog

    def tr(self, msgid, context=None):
        """What the app shows for msgid in this test's language (the same .mo the app reads).

        A mnemonic underscore ("_Quit") is dropped, as GTK drops it from what it shows."""
        if context is not None:
            text = self.catalog().pgettext(context, msgid)
        else:
            text = self.catalog().gettext(msgid)
        return re.sub(r'_(?=[^_])', '', text) if '_' in msgid else text

    def ntr(self, singular, plural, n):
        """What the app shows for a plural msgid and count n in this test's language."""
        return self.catalog().ngettext(singular, plural, n)

    def untranslated_texts(self, root=None):
        """Showing texts that are an English msgid of our catalogue whose translation differs."""
        cat = self.catalog()
        english = {}
        for key, value in getattr(cat, '_catalog', {}).items():
            if isinstance(key, str) and key and '\x04' not in key and value and value != key:
                english[key] = value
        return [(t, english[t]) for t in self.texts(root) if t in english]

    # ------------------------------------------------------------------ launching

    def app_env(self):
        env = dict(os.environ)
        if APP_G_DEBUG is not None:
            env['G_DEBUG'] = APP_G_DEBUG
        # The test environment turns AT-SPI off for the C tests; the UI tests need it on.
        env.pop('NO_AT_BRIDGE', None)
        if env.get('GTK_A11Y') not in (None, 'atspi'):
            env.pop('GTK_A11Y')
        env['GSK_RENDERER'] = 'cairo'   # faster and lighter than GL on llvmpipe
        env['GDK_BACKEND'] = 'x11'
        env['ZVENO_LOCALEDIR'] = os.path.join(self.build_root, 'po')
        env.setdefault('GSETTINGS_SCHEMA_DIR', os.path.join(self.build_root, 'data'))
        if self.lang == 'en':
            env.pop('LANGUAGE', None)
        else:
            env['LANGUAGE'] = self.lang
        return env

    def launch(self, *args):
        """Starts one more `zveno` process and returns its Popen (does not wait for anything)."""
        if not os.access(self.binary, os.X_OK):
            raise UiTestFailure(f'the app binary {self.binary} does not exist; build first')
        log_path = os.path.join(self.log_dir, f'zveno-{self.test_name}-{len(self.processes)}.log')
        log = open(log_path, 'wb')
        proc = subprocess.Popen([self.binary, *args], env=self.app_env(),
                                stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.processes.append(proc)
        self.logs[proc.pid] = log_path
        return proc

    def start(self, *args, timeout=DEFAULT_TIMEOUT):
        """Launches the app and waits until its main window is in the accessibility tree."""
        # Park the pointer in the screen's corner, away from where windows open: left at the
        # centre it would hover a widget and every screenshot would show that highlight.
        pyatspi.Registry.generateMouseEvent(1279, 799, pyatspi.MOUSE_ABS)
        t0 = time.monotonic()
        self.launch(*args)
        frame = self.wait_for_window(timeout=timeout)
        self.startup_seconds = time.monotonic() - t0
        return frame

    @property
    def primary(self):
        return self.processes[0] if self.processes else None

    def app(self, timeout=DEFAULT_TIMEOUT):
        """The application's root accessible (found by name 'zveno' and by the primary's pid)."""
        if self._app is not None and _safe(lambda: self._app.childCount, -1) >= 0 \
                and self._app_alive():
            return self._app
        deadline = time.monotonic() + timeout
        while True:
            self._check_primary_alive()
            found = self._find_app()
            if found is not None:
                # No caching: GTK's cache updates arrive as events we may not have processed yet,
                # and a stale name or child list makes a test flaky. Every read goes to the app.
                Atspi.Accessible.set_cache_mask(found, Atspi.Cache.NONE)
                self._app = found
                return found
            if time.monotonic() > deadline:
                names = [_safe(lambda a=a: a.name, '?') for a in pyatspi.Registry.getDesktop(0)
                         if a is not None]
                raise UiTestFailure(f"no application named 'zveno' (pid {self.primary.pid}) appeared "
                                    f"on the AT-SPI bus in {timeout:.0f} s; applications there: {names}")
            time.sleep(POLL_INTERVAL)

    def _app_alive(self):
        return self.primary is not None and self.primary.poll() is None

    def _find_app(self):
        desktop = pyatspi.Registry.getDesktop(0)
        pid = self.primary.pid if self.primary else None
        for acc in desktop:
            if acc is None or _safe(lambda: acc.name, None) != 'zveno':
                continue
            if pid is None or _safe(lambda: acc.get_process_id(), pid) == pid:
                return acc
        return None

    def _check_primary_alive(self):
        if self.primary is None:
            raise UiTestFailure('the app was never started (call ui.start() first)')
        rc = self.primary.poll()
        if rc is not None:
            raise UiTestFailure(f'the app exited early with status {rc} '
                                f'({_signal_name(rc)}); its output:\n{self.app_log()}')

    def windows(self):
        """The app's top-level windows that are open now, as Nodes."""
        app = self.app()
        result = []
        for acc in app:
            if acc is not None:
                node = Node(acc, 1, None)
                if node.extents is None or (node.extents[2] > 0 and node.extents[3] > 0):
                    result.append(node)
        return result

    def wait_for_window(self, name=None, timeout=DEFAULT_TIMEOUT):
        """Waits for a top-level window (optionally with this title) and returns its accessible."""
        deadline = time.monotonic() + timeout
        while True:
            self._check_primary_alive()
            if self._find_app() is not None:
                for w in self.windows():
                    if w.role in ('frame', 'dialog', 'window') and _matches(name, w.name):
                        return w.acc
            if time.monotonic() > deadline:
                have = [repr(w) for w in self.windows()] if self._find_app() else 'no app on the bus'
                raise UiTestFailure(f'no window {_describe(None, name)} appeared in {timeout:.0f} s; '
                                    f'windows now: {have}')
            time.sleep(POLL_INTERVAL)

    def wait_for_new_window(self, known, timeout=DEFAULT_TIMEOUT):
        """Waits for a window that is not among `known` (accessibles from before an action)."""
        old = {_acc_key(a) for a in known}
        deadline = time.monotonic() + timeout
        while True:
            self._check_primary_alive()
            for w in self.windows():
                if _acc_key(w.acc) not in old:
                    return w.acc
            if time.monotonic() > deadline:
                raise UiTestFailure(f'no new window opened in {timeout:.0f} s; windows now: '
                                    f'{[repr(w) for w in self.windows()]}')
            time.sleep(POLL_INTERVAL)

    def wait_window_gone(self, window, timeout=DEFAULT_TIMEOUT):
        """Waits until a window (an accessible, or a title) is no longer open."""
        if isinstance(window, str) or isinstance(window, re.Pattern):
            def present():
                return any(_matches(window, w.name) for w in self.windows())
            what = repr(window)
        else:
            key = _acc_key(window)

            def present():
                return any(_acc_key(w.acc) == key for w in self.windows())
            what = _node_text(window)
        deadline = time.monotonic() + timeout
        while True:
            self._check_primary_alive()
            if not present():
                return
            if time.monotonic() > deadline:
                raise UiTestFailure(f'window {what} is still open after {timeout:.0f} s')
            time.sleep(POLL_INTERVAL)

    # ------------------------------------------------------------------ walking the tree

    def walk(self, root=None, showing=True):
        """Every node under root (default: every window of the app); only showing ones by default."""
        roots = [root] if root is not None else [w.acc for w in self.windows()]
        for r in roots:
            top = Node(r, 0, None)
            if showing and top.extents is not None and (top.extents[2] <= 0 or top.extents[3] <= 0):
                continue
            yield top
            yield from self._walk_children(top, showing, surface=r)

    def _walk_children(self, node, showing, surface):
        children = []
        count = _safe(lambda: node.acc.childCount, 0)
        for i in range(count):
            child = _safe(lambda i=i: node.acc.getChildAtIndex(i), None)
            if child is None:
                continue
            children.append(Node(child, node.depth + 1, node))
        if showing:
            # A GtkStack page is a node without a Component; its area is that of its one child.
            area = {id(c): c.extents or self._child_extents(c) for c in children}
            children = [c for c in children
                        if area[id(c)] is None or (area[id(c)][2] > 0 and area[id(c)][3] > 0)]
            overlapping = set()
            for i, a in enumerate(children):
                for b in children[i + 1:]:
                    if area[id(a)] and area[id(b)] and _overlap(area[id(a)], area[id(b)]):
                        overlapping.add(id(a))
                        overlapping.add(id(b))
            children = [c for c in children
                        if id(c) not in overlapping or c.role in SURFACE_ROLES
                        or self._on_top(c, surface, area[id(c)])]
        for c in children:
            yield c
            yield from self._walk_children(c, showing, c.acc if c.role in SURFACE_ROLES else surface)

    @staticmethod
    def _child_extents(node):
        if _safe(lambda: node.acc.childCount, 0) < 1:
            return None
        child = _safe(lambda: node.acc.getChildAtIndex(0), None)
        return _extents(child) if child is not None else None

    def _on_top(self, node, surface, area):
        """GTK's hit test: does a point of the node land inside it rather than on a widget above it?

        The centre first; when GTK answers with something AT-SPI does not expose (a bare box, an
        icon), the centres of the node's first labels, which a person would be reading anyway."""
        ancestors = set()
        cur = node.parent
        while cur is not None:
            ancestors.add(_acc_key(cur.acc))
            cur = cur.parent
        target = _acc_key(node.acc)
        for x, y, w, h in [area] + self._label_areas(node.acc):
            try:
                hit = surface.queryComponent().getAccessibleAtPoint(x + w // 2, y + h // 2,
                                                                    pyatspi.WINDOW_COORDS)
            except (NotImplementedError, GLib.Error, RuntimeError):
                return True
            if hit is None:
                continue
            if _acc_key(hit) in ancestors:
                return True   # the node is not pickable, but its own container is on top
            cur = hit
            for _ in range(64):
                if _acc_key(cur) == target:
                    return True
                cur = _safe(lambda c=cur: c.parent, None)
                if cur is None:
                    break
            return False
        return True   # nothing exposed under any point: no evidence that something covers it

    @staticmethod
    def _label_areas(acc, limit=3, budget=80):
        found = []
        stack = [(acc, 0)]
        while stack and len(found) < limit and budget > 0:
            cur, depth = stack.pop()
            budget -= 1
            if depth > 0 and _safe(lambda: cur.getRoleName(), '') in ('label', 'heading'):
                ext = _extents(cur)
                if ext and ext[2] > 0 and ext[3] > 0:
                    found.append(ext)
                continue
            if depth < 12:
                n = _safe(lambda: cur.childCount, 0)
                for i in reversed(range(n)):
                    child = _safe(lambda i=i: cur.getChildAtIndex(i), None)
                    if child is not None:
                        stack.append((child, depth + 1))
        return found

    def find_all(self, role=None, name=None, root=None, showing=True):
        return [n.acc for n in self.walk(root, showing) if _matches(role, n.role)
                and _matches(name, n.name)]

    def find(self, role=None, name=None, root=None, showing=True, timeout=DEFAULT_TIMEOUT):
        """Waits until a node with this role and name is showing and returns its accessible.

        name may be a string (exact), a compiled regex or a predicate."""
        deadline = time.monotonic() + timeout
        while True:
            self._check_primary_alive()
            for n in self.walk(root, showing):
                if _matches(role, n.role) and _matches(name, n.name):
                    return n.acc
            if time.monotonic() > deadline:
                raise UiTestFailure(f'nothing with {_describe(role, name)} is showing after '
                                    f'{timeout:.0f} s')
            time.sleep(POLL_INTERVAL)

    def wait_for_text(self, text, root=None, timeout=DEFAULT_TIMEOUT):
        """Waits until some showing node is named `text` (labels, titles, buttons)."""
        return self.find(None, text, root=root, timeout=timeout)

    def wait_for_texts(self, showing=(), hidden=(), root=None, timeout=DEFAULT_TIMEOUT):
        """Waits until every text in `showing` is showing and none in `hidden` is (one walk a try)."""
        deadline = time.monotonic() + timeout
        while True:
            self._check_primary_alive()
            texts = set(self.texts(root))
            missing = [t for t in showing if t not in texts]
            extra = [t for t in hidden if t in texts]
            if not missing and not extra:
                return
            if time.monotonic() > deadline:
                parts = []
                if missing:
                    parts.append(f'not showing: {missing}')
                if extra:
                    parts.append(f'showing but should not be: {extra}')
                raise UiTestFailure(f'after {timeout:.0f} s, ' + '; '.join(parts))
            time.sleep(POLL_INTERVAL)

    def wait_gone(self, role=None, name=None, root=None, timeout=DEFAULT_TIMEOUT):
        """Waits until no node with this role and name is showing."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.find_all(role, name, root):
                return
            if time.monotonic() > deadline:
                raise UiTestFailure(f'{_describe(role, name)} is still showing after {timeout:.0f} s')
            time.sleep(POLL_INTERVAL)

    def is_showing(self, acc):
        key = _acc_key(acc)
        return any(_acc_key(n.acc) == key for n in self.walk())

    def texts(self, root=None, roles=None):
        """Names of every showing node (optionally only these roles), in tree order."""
        return [n.name for n in self.walk(root) if n.name and (roles is None or n.role in roles)]

    def labels(self, root=None):
        return self.texts(root, roles={'label', 'heading'})

    def first_row(self, list_acc, y=8):
        """The name of the row on top of a list's visible area, found by GTK's own hit test a few
        pixels below the list's top edge: what a person sees first, not merely what the model holds.

        The hit lands in a 'list item' (or inside it); the row's name is that of the item's first
        named child (a row widget with an accessible label). None when nothing is there."""
        ext = _extents(list_acc)
        surface = list_acc
        while surface is not None and _safe(lambda s=surface: s.getRoleName(), '') not in SURFACE_ROLES:
            surface = _safe(lambda s=surface: s.parent, None)
        if ext is None or surface is None:
            return None
        hit = _safe(lambda: surface.queryComponent().getAccessibleAtPoint(
            ext[0] + ext[2] // 2, ext[1] + y, pyatspi.WINDOW_COORDS), None)
        target = _acc_key(list_acc)
        item = None
        for _ in range(64):
            if hit is None or _acc_key(hit) == target:
                break
            if _safe(lambda h=hit: h.getRoleName(), '') == 'list item':
                item = hit
            hit = _safe(lambda h=hit: h.parent, None)
        if item is None or hit is None:
            return None
        for i in range(_safe(lambda: item.childCount, 0)):
            name = _safe(lambda i=i: item.getChildAtIndex(i).name, '')
            if name:
                return name
        return None

    def has_state(self, acc, state):
        return _safe(lambda: acc.getState().contains(state), False)

    def is_selected(self, acc):
        return self.has_state(acc, pyatspi.STATE_SELECTED)

    def is_checked(self, acc):
        return self.has_state(acc, pyatspi.STATE_CHECKED) or self.has_state(acc, pyatspi.STATE_PRESSED)

    def unnamed_controls(self, root=None):
        """Showing controls a screen reader could only call "button": no name, or GTK's fallback
        of the widget's type name ("GtkImage" for an icon button without an accessible label)."""
        bad = []
        for n in self.walk(root):
            if n.role in CONTROL_ROLES and (not n.name.strip() or TYPE_NAME.match(n.name)):
                bad.append(n)
        return bad

    # ------------------------------------------------------------------ acting

    def click(self, acc, action=None):
        """Activates a button, tab or menu item through its AT-SPI action ('click' when it has one)."""
        target = self._clickable(acc)
        if target is None:
            raise UiTestFailure(f'{_node_text(acc)} cannot be clicked: neither it nor its children '
                                f'have an action')
        acc = target
        ai = acc.queryAction()
        names = [ai.getName(i) for i in range(ai.nActions)]
        wanted = action or 'click'
        if wanted in names:
            index = names.index(wanted)
        elif action is None and names:
            index = 0
        else:
            raise UiTestFailure(f'{_node_text(acc)} has no action {wanted!r}; it has {names}')
        if not ai.doAction(index):
            raise UiTestFailure(f'{_node_text(acc)} refused action {names[index]!r}')

    def _clickable(self, acc, depth=0):
        # GTK 4.8 exposes composite buttons (GtkMenuButton) as a button holding the real toggle
        # button; the outer one has no actions, so a person's click lands on the inner one.
        try:
            if acc.queryAction().nActions > 0:
                return acc
        except NotImplementedError:
            pass
        if depth >= 2:
            return None
        for i in range(_safe(lambda: acc.childCount, 0)):
            child = _safe(lambda i=i: acc.getChildAtIndex(i), None)
            found = child is not None and self._clickable(child, depth + 1)
            if found:
                return found
        return None

    def click_named(self, role, name, root=None, timeout=DEFAULT_TIMEOUT):
        """find + click in one step; returns the accessible that was clicked."""
        acc = self.find(role, name, root=root, timeout=timeout)
        self.click(acc)
        return acc

    def open_main_menu(self):
        """Clicks the "Main Menu" button in the sidebar header and waits for its popover menu."""
        self.click_named(None, self.tr('Main Menu'))
        return self.find('menu')

    def choose_from_main_menu(self, item_msgid):
        """Opens the main menu and clicks an item, given by its msgid ("_About Zveno")."""
        menu = self.open_main_menu()
        self.click(self.find('menu item', self.tr(item_msgid), root=menu))

    def press(self, keys):
        """Types a key combination on the X keyboard, e.g. 'Escape', '<Control>q', '<Control>question'."""
        mods = re.findall(r'<(\w+)>', keys)
        key = re.sub(r'<\w+>', '', keys)
        masks = {'control': 1 << 2, 'ctrl': 1 << 2, 'shift': 1 << 0, 'alt': 1 << 3, 'super': 1 << 6}
        mask = 0
        for m in mods:
            if m.lower() not in masks:
                raise ValueError(f'unknown modifier <{m}> in {keys!r}')
            mask |= masks[m.lower()]
        keysym = _keysym(key)
        if mask:
            pyatspi.Registry.generateKeyboardEvent(mask, None, pyatspi.KEY_LOCKMODIFIERS)
        try:
            pyatspi.Registry.generateKeyboardEvent(keysym, None, pyatspi.KEY_SYM)
        finally:
            if mask:
                pyatspi.Registry.generateKeyboardEvent(mask, None, pyatspi.KEY_UNLOCKMODIFIERS)

    def type_text(self, text):
        """Types text on the X keyboard into whatever has the focus."""
        pyatspi.Registry.generateKeyboardEvent(0, text, pyatspi.KEY_STRING)

    def set_text(self, acc, text):
        """Replaces an entry's text through AT-SPI's EditableText (no keyboard involved)."""
        try:
            et = acc.queryEditableText()
        except NotImplementedError:
            raise UiTestFailure(f'{_node_text(acc)} is not an editable text')
        if not et.setTextContents(text):
            raise UiTestFailure(f'{_node_text(acc)} refused the text {text!r}')

    def text_of(self, acc):
        """The text of a label or entry (its Text interface, else its accessible name)."""
        try:
            t = acc.queryText()
            return t.getText(0, -1)
        except NotImplementedError:
            return acc.name

    def activate_action(self, action, parameter=None):
        """Activates an app action over D-Bus (org.gtk.Actions), as the desktop shell would."""
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        path = '/' + self.app_id.replace('.', '/')
        params = [parameter] if parameter is not None else []
        bus.call_sync(self.app_id, path, 'org.gtk.Actions', 'Activate',
                      GLib.Variant('(sava{sv})', (action, params, {})),
                      None, Gio.DBusCallFlags.NONE, 5000, None)

    # ------------------------------------------------------------------ checks

    def check(self, condition, message):
        if not condition:
            raise UiTestFailure(message)

    # ------------------------------------------------------------------ evidence

    def screenshot(self, step):
        """Saves the whole X screen to BUILD/tests/screenshots/<test>-<lang>-<NN>-<step>.png."""
        self.shot_count += 1
        safe = re.sub(r'[^A-Za-z0-9_.-]+', '-', step).strip('-')
        path = os.path.join(self.shot_dir,
                            f'{self.test_name}-{self.lang}-{self.shot_count:02d}-{safe}.png')
        # GTK draws on the next frame clock tick after a change; give it one or two frames.
        time.sleep(0.15)
        res = subprocess.run(['import', '-window', 'root', path], capture_output=True, text=True,
                             timeout=20)
        if res.returncode != 0:
            raise UiTestFailure(f'screenshot {path} failed: {res.stderr.strip()}')
        print(f'# screenshot {path}', flush=True)
        return path

    def dump(self, root=None, showing=True, limit=400):
        """The (showing) accessible tree as indented text, for failure messages."""
        lines = []
        try:
            for n in self.walk(root, showing):
                lines.append('  ' * n.depth + repr(n))
                if len(lines) >= limit:
                    lines.append('  ... (cut)')
                    break
        except Exception as e:  # the app may be gone; say so instead of hiding the first error
            lines.append(f'(could not read the tree: {e})')
        return '\n'.join(lines)

    def app_log(self, tail=40):
        out = []
        for pid, path in self.logs.items():
            try:
                with open(path, 'rb') as f:
                    text = f.read().decode('utf-8', 'replace').splitlines()
            except OSError:
                continue
            if text:
                out.append(f'--- output of zveno pid {pid} (last {tail} lines) ---')
                out.extend(text[-tail:])
        return '\n'.join(out) if out else '(no output)'

    # ------------------------------------------------------------------ teardown

    def defer(self, fn):
        """Runs fn() after the test, last registered first: after the app quit, or on a failure after
        the failure's screenshot, tree and app log were taken. A test's own servers and phones stop
        here rather than in a `finally:` of the test, which runs before that evidence is taken:
        every failed calls test then showed the app's "You are offline" strip (its server already
        gone), whatever the failure was."""
        self._deferred.append(fn)

    def run_deferred(self):
        """Runs the deferred teardown; an error in one does not skip the others. Returns the errors."""
        errors = []
        while self._deferred:
            fn = self._deferred.pop()
            try:
                fn()
            except Exception as e:  # report it and go on: the rest still has to stop
                errors.append(e)
                print(f'(teardown {getattr(fn, "__qualname__", fn)} failed: {type(e).__name__}: {e})',
                      file=sys.stderr)
        return errors

    def quit(self, timeout=DEFAULT_TIMEOUT):
        """Quits through the app's own 'quit' action and checks it exits with status 0."""
        proc = self.primary
        if proc is None or proc.poll() is not None:
            return
        try:
            self.activate_action('quit')
        except GLib.Error as e:
            raise UiTestFailure(f"could not activate app.quit over D-Bus: {e.message}")
        self.wait_exit(proc, timeout)

    def wait_exit(self, proc, timeout=DEFAULT_TIMEOUT):
        try:
            rc = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise UiTestFailure(f'zveno (pid {proc.pid}) did not exit within {timeout:.0f} s')
        if rc != 0:
            raise UiTestFailure(f'zveno (pid {proc.pid}) exited with status {rc} '
                                f'({_signal_name(rc)}); its output:\n{self.app_log()}')

    def close(self):
        """Kills whatever is still running; safe to call twice."""
        for proc in self.processes:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(3)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def start_keyring():
    """gnome-keyring on the test's private session bus, unlocked, so that the app and zveno-cli can
    keep their tokens; its environment (the control socket) goes into os.environ."""
    out = subprocess.run(['gnome-keyring-daemon', '--unlock', '--components=secrets'],
                         input='test', capture_output=True, text=True, timeout=30)
    for line in out.stdout.splitlines():
        if '=' in line:
            key, value = line.split('=', 1)
            os.environ[key] = value


def _read_config_h(path):
    """The quoted #defines of the build's config.h (APPLICATION_ID, PACKAGE_VERSION, ...)."""
    values = {}
    try:
        with open(path, encoding='utf-8') as f:
            for line in f:
                m = re.match(r'#define\s+(\w+)\s+"(.*)"\s*$', line)
                if m:
                    values[m.group(1)] = m.group(2)
    except OSError:
        pass
    return values


def _acc_key(acc):
    # Two proxies of one object share the bus name and the object path.
    try:
        return (acc.app.bus_name, acc.path)
    except (AttributeError, GLib.Error, RuntimeError):
        # A proxy of an object that went away while we looked (a page replaced in the window, e.g.
        # by the deactivation page): it equals nothing, and the polling callers simply look again.
        return ('defunct', id(acc))


def _node_text(acc):
    return f"{_safe(lambda: acc.getRoleName(), '?')} {_safe(lambda: acc.name, '?')!r}"


def _signal_name(rc):
    if rc is None:
        return 'running'
    if rc < 0:
        try:
            return f'killed by {signal.Signals(-rc).name}'
        except ValueError:
            return f'killed by signal {-rc}'
    return 'exit code'


def _keysym(name):
    """X keysym for a key name ('Escape', 'q', 'comma', 'F1')."""
    gi.require_version('Gdk', '4.0')
    from gi.repository import Gdk
    if len(name) == 1:
        return Gdk.unicode_to_keyval(ord(name))
    value = Gdk.keyval_from_name(name)
    if value in (0, 0xffffff):
        raise ValueError(f'unknown key name {name!r}')
    return value


def main(test, name=None):
    """Runs one UI test function `test(ui)` and exits with 0, 1 or 77 (skip)."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--lang', default='en', help="UI language: 'en' or a LANGUAGE value like 'ru'")
    opts = parser.parse_args()
    name = name or re.sub(r'^test-|\.py$', '', os.path.basename(sys.argv[0]))

    if not os.environ.get('DISPLAY'):
        print('SKIP: no DISPLAY; run through tests/ui/run-ui-test.sh', file=sys.stderr)
        sys.exit(SKIP)
    if shutil.which('import') is None:
        print('FAIL: ImageMagick `import` is missing (Debian package imagemagick)', file=sys.stderr)
        sys.exit(1)

    t0 = time.monotonic()
    ui = None
    status = 0
    try:
        ui = Zveno(name, lang=opts.lang)
        test(ui)
        ui.quit()
    except Exception as e:
        status = 1
        print(f'FAIL: {name} [{opts.lang}]: {e}', file=sys.stderr)
        if not isinstance(e, UiTestFailure):
            traceback.print_exc()
        if ui is not None:
            try:
                ui.screenshot('failure')
            except Exception as shot_error:
                print(f'(no failure screenshot: {shot_error})', file=sys.stderr)
            if ui.primary is not None and ui.primary.poll() is None:
                print('--- what is showing now ---', file=sys.stderr)
                print(ui.dump(), file=sys.stderr)
            print(ui.app_log(), file=sys.stderr)
    finally:
        if ui is not None:
            if ui.run_deferred() and status == 0:
                status = 1
            ui.close()
    elapsed = time.monotonic() - t0
    if status == 0:
        extra = f', app up in {ui.startup_seconds:.2f} s' if hasattr(ui, 'startup_seconds') else ''
        print(f'PASS: {name} [{opts.lang}] in {elapsed:.1f} s{extra}, '
              f'{ui.shot_count} screenshots in {ui.shot_dir}')
    sys.exit(status)


def _dump_app(ui):
    """`run-ui-test.sh tests/ui/harness.py [--lang ru]`: print what AT-SPI sees and take a picture."""
    ui.start()
    ui.wait_for_text(ui.tr('Chats'))
    print(ui.dump(), flush=True)
    ui.screenshot('window')


if __name__ == '__main__':
    main(_dump_app, name='dump')
