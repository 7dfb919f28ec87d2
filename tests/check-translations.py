#!/usr/bin/python3
"""tests/check-translations.py: fails when a translation is missing or a translatable file is unlisted.

    check-translations.py SOURCE_ROOT       check the tree (meson test 'translations')
    check-translations.py --selftest        prove the checks fail on broken trees ('translations-selftest')

For every language in po/LINGUAS it reports, and exits 1 on, any of:
  (a) a message in po/LANG.po that is untranslated or fuzzy while the sources still use it;
  (b) a file under src/, ui/ or data/ with translatable strings that po/POTFILES.in does not list;
  (c) a file that po/POTFILES.in lists but that does not exist;
  (d) a message that xgettext extracts from the POTFILES (as meson's i18n 'glib' preset does) but that
      po/LANG.po does not have at all;
  (e) `msgfmt --check` errors (broken format strings, bad header, bad plural forms).
Only the Python standard library and gettext's own tools are used.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

# The xgettext arguments of meson's i18n.gettext(preset: 'glib') (mesonbuild/modules/i18n.py), so
# this test extracts exactly what `ninja zveno-pot` would.
XGETTEXT_GLIB_PRESET = [
    '--from-code=UTF-8', '--add-comments',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format', '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format', '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format', '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format', '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format', '--flag=g_log:3:c-format',
    '--flag=g_print:1:c-format', '--flag=g_printerr:1:c-format',
    '--flag=g_printf:1:c-format', '--flag=g_fprintf:2:c-format',
    '--flag=g_sprintf:2:c-format', '--flag=g_snprintf:3:c-format',
]

SCANNED_DIRS = ('src', 'ui', 'data')

# What makes a file translatable, by kind. C: a gettext call with a string literal as its first
# argument (so `G_DEFINE_TYPE (` or a comment saying "_()" does not count).
C_MARK = re.compile(r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|Q_|ngettext|g_dngettext|g_dpgettext2?|'
                    r'g_dcgettext|dgettext|gettext)\s*\(\s*"')
UI_MARK = re.compile(r'translatable\s*=\s*["\'](?:yes|true)["\']')
SCHEMA_MARK = re.compile(r'<(?:summary|description)\b')
METAINFO_MARK = re.compile(r'<(?:name|summary|p|li|caption|developer_name)\b(?![^>]*translate="no")')
DESKTOP_MARK = re.compile(r'^(?:Name|GenericName|Comment|Keywords|X-GNOME-FullName)\s*=', re.M)


def strip_in(path):
    """'org.x.desktop.in.in' -> 'org.x.desktop': meson's configure/merge steps add .in suffixes."""
    while path.endswith('.in'):
        path = path[:-3]
    return path


def translatable_kind(path, text):
    """Why this file has translatable strings, or None. path is relative to the source root."""
    base = strip_in(path)
    if base.endswith(('.c', '.h')):
        return 'gettext call' if C_MARK.search(text) else None
    if base.endswith('.ui'):
        return 'translatable="yes"' if UI_MARK.search(text) else None
    if base.endswith('.gschema.xml'):
        return '<summary>/<description>' if SCHEMA_MARK.search(text) else None
    if base.endswith(('.metainfo.xml', '.appdata.xml')):
        return '<name>/<summary>/<p>' if METAINFO_MARK.search(text) else None
    if base.endswith('.desktop'):
        return 'Name=/Comment=' if DESKTOP_MARK.search(text) else None
    return None


# ---------------------------------------------------------------------------------- .po parsing

class Entry:
    __slots__ = ('ctxt', 'msgid', 'plural', 'msgstr', 'fuzzy', 'obsolete', 'line', 'refs')

    def __init__(self):
        self.ctxt = None
        self.msgid = None
        self.plural = None
        self.msgstr = {}
        self.fuzzy = False
        self.obsolete = False
        self.line = 0
        self.refs = []

    @property
    def key(self):
        return (self.ctxt, self.msgid)

    @property
    def translated(self):
        return bool(self.msgstr) and all(v != '' for v in self.msgstr.values())


def _unquote(s):
    s = s.strip()
    if not (len(s) >= 2 and s[0] == '"' and s[-1] == '"'):
        raise ValueError(f'not a quoted string: {s!r}')
    body = s[1:-1]
    escapes = {'n': '\n', 't': '\t', '"': '"', '\\': '\\', 'r': '\r', 'a': '\a', 'b': '\b',
               'f': '\f', 'v': '\v'}
    out = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == '\\' and i + 1 < len(body):
            out.append(escapes.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def parse_po(path):
    """Parses a .po/.pot file into a list of Entry (the header, msgid "", included)."""
    entries = []
    cur = None
    field = None   # ('msgid'|'msgid_plural'|'msgctxt'|('msgstr', n))
    pending_flags = []
    pending_refs = []
    pending_obsolete = False

    def finish():
        nonlocal cur
        if cur is not None and cur.msgid is not None:
            entries.append(cur)
        cur = None

    def append(value):
        if field == 'msgid':
            cur.msgid += value
        elif field == 'msgid_plural':
            cur.plural += value
        elif field == 'msgctxt':
            cur.ctxt += value
        else:
            cur.msgstr[field[1]] += value

    with open(path, encoding='utf-8') as f:
        lines = f.read().splitlines()
    for lineno, raw in enumerate(lines, 1):
        line = raw.strip()
        obsolete = False
        if line.startswith('#~'):
            obsolete = True
            line = line[2:].strip()
            if line.startswith('|'):
                continue
        elif line.startswith('#'):
            if line.startswith('#,'):
                if cur is not None and cur.msgstr:
                    finish()
                pending_flags += [x.strip() for x in line[2:].split(',')]
            elif line.startswith('#:'):
                if cur is not None and cur.msgstr:
                    finish()
                pending_refs += line[2:].split()
            continue
        if not line:
            finish()
            field = None
            continue
        m = re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line)
        if m:
            kw, index, value = m.group(1), m.group(2), _unquote(m.group(3))
            if kw in ('msgctxt', 'msgid') and (cur is None or cur.msgstr or
                                               (kw == 'msgctxt' and cur.msgid is not None)):
                if not (kw == 'msgid' and cur is not None and cur.ctxt is not None
                        and cur.msgid is None):
                    finish()
                    cur = Entry()
                    cur.line = lineno
                    cur.fuzzy = 'fuzzy' in pending_flags
                    cur.refs = pending_refs
                    cur.obsolete = obsolete or pending_obsolete
                    pending_flags, pending_refs = [], []
            if kw == 'msgctxt':
                cur.ctxt = value
                field = 'msgctxt'
            elif kw == 'msgid':
                cur.msgid = value
                field = 'msgid'
            elif kw == 'msgid_plural':
                cur.plural = value
                field = 'msgid_plural'
            else:
                n = int(index) if index is not None else 0
                cur.msgstr[n] = value
                field = ('msgstr', n)
            continue
        if line.startswith('"') and cur is not None and field is not None:
            append(_unquote(line))
            continue
        raise ValueError(f'{path}:{lineno}: cannot parse: {raw!r}')
    finish()
    return entries


def show(entry):
    text = entry.msgid if len(entry.msgid) <= 70 else entry.msgid[:67] + '...'
    text = text.replace('\n', '\\n')
    return (f'[{entry.ctxt}] ' if entry.ctxt else '') + f'"{text}"'


# ---------------------------------------------------------------------------------- the checks

def read_list(path):
    with open(path, encoding='utf-8') as f:
        return [ln.strip() for ln in f if ln.strip() and not ln.lstrip().startswith('#')]


def check(root):
    """Returns (problems, notes): lists of text blocks. No problems means the tree passes."""
    problems = []
    notes = []
    po_dir = os.path.join(root, 'po')
    potfiles_in = os.path.join(po_dir, 'POTFILES.in')
    for needed in (potfiles_in, os.path.join(po_dir, 'LINGUAS')):
        if not os.path.isfile(needed):
            return [f'{os.path.relpath(needed, root)} does not exist'], notes

    listed = read_list(potfiles_in)
    skipped = []
    if os.path.isfile(os.path.join(po_dir, 'POTFILES.skip')):
        skipped = read_list(os.path.join(po_dir, 'POTFILES.skip'))

    # (c) listed but missing
    missing = [p for p in listed if not os.path.isfile(os.path.join(root, p))]
    if missing:
        problems.append('po/POTFILES.in lists files that do not exist:\n' +
                        '\n'.join(f'  {p}' for p in missing))

    # (b) translatable but unlisted
    unlisted = []
    for top in SCANNED_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith('.'))
            for fn in sorted(filenames):
                full = os.path.join(dirpath, fn)
                rel = os.path.relpath(full, root)
                if rel in listed or rel in skipped:
                    continue
                try:
                    with open(full, encoding='utf-8') as f:
                        text = f.read()
                except (UnicodeDecodeError, OSError):
                    continue
                kind = translatable_kind(rel, text)
                if kind:
                    unlisted.append(f'  {rel}  (has {kind})')
    if unlisted:
        problems.append('files with translatable strings missing from po/POTFILES.in '
                        '(add them, or to po/POTFILES.skip if deliberate):\n' + '\n'.join(unlisted))

    # (d) extract exactly what meson's pot target would
    existing = [p for p in listed if p not in missing]
    with tempfile.TemporaryDirectory() as tmp:
        files_from = os.path.join(tmp, 'POTFILES')
        with open(files_from, 'w', encoding='utf-8') as f:
            f.write('\n'.join(existing) + '\n')
        pot = os.path.join(tmp, 'extracted.pot')
        res = subprocess.run(['xgettext', *XGETTEXT_GLIB_PRESET, '--package-name=zveno',
                              '--directory', root, '--files-from', files_from, '--output', pot],
                             capture_output=True, text=True)
        if res.returncode != 0:
            problems.append('xgettext failed on the POTFILES:\n' + res.stderr.strip())
            return problems, notes
        if res.stderr.strip():
            # xgettext warns about things that end up wrong in translations (unknown file types
            # are read as C, ambiguous format strings): make them visible, they are real bugs.
            problems.append('xgettext warned:\n' + '\n'.join(
                f'  {ln}' for ln in res.stderr.strip().splitlines()))
        extracted = [e for e in parse_po(pot) if e.msgid != ''] if os.path.exists(pot) else []
    used = {e.key: e for e in extracted}

    for lang in read_list(os.path.join(po_dir, 'LINGUAS')):
        for lang_code in lang.split():
            po = os.path.join(po_dir, f'{lang_code}.po')
            rel_po = os.path.relpath(po, root)
            if not os.path.isfile(po):
                problems.append(f'{rel_po} is missing (the language is in po/LINGUAS)')
                continue

            # (e) gettext's own validation
            res = subprocess.run(['msgfmt', '--check', '--statistics', '-o', os.devnull, po],
                                 capture_output=True, text=True)
            stats = res.stderr.strip()
            if res.returncode != 0:
                problems.append(f'msgfmt --check {rel_po} failed:\n' + '\n'.join(
                    f'  {ln}' for ln in stats.splitlines()))
            else:
                notes.append(f'msgfmt --statistics {rel_po}: {stats.splitlines()[-1] if stats else "?"}')

            try:
                entries = [e for e in parse_po(po) if e.msgid != '' and not e.obsolete]
            except ValueError as e:
                problems.append(str(e))
                continue
            have = {e.key: e for e in entries}

            # (a) untranslated or fuzzy, and still used
            bad = []
            for e in entries:
                if e.key not in used:
                    continue
                where = ', '.join(used[e.key].refs[:2])
                if e.fuzzy:
                    bad.append(f'  {rel_po}:{e.line}: fuzzy: {show(e)}  ({where})')
                elif not e.translated:
                    bad.append(f'  {rel_po}:{e.line}: untranslated: {show(e)}  ({where})')
            if bad:
                problems.append(f'{rel_po} has {len(bad)} untranslated or fuzzy message(s) that '
                                f'the sources use:\n' + '\n'.join(bad))

            # (d) used but absent
            absent = [f'  {show(e)}  ({", ".join(e.refs[:2])})' for e in extracted
                      if e.key not in have]
            if absent:
                problems.append(f'{rel_po} lacks {len(absent)} message(s) that the sources use '
                                f'(append them with a translation):\n' + '\n'.join(absent))

            unused = [f'  {rel_po}:{e.line}: {show(e)}' for e in entries if e.key not in used]
            if unused:
                notes.append(f'{rel_po} has {len(unused)} message(s) no source uses any more '
                             f'(harmless; remove when convenient):\n' + '\n'.join(unused))

    notes.append(f'{len(extracted)} messages extracted from {len(existing)} files in po/POTFILES.in')
    return problems, notes


def run_check(root):
    problems, notes = check(root)
    for n in notes:
        print(f'# {n}')
    if problems:
        for p in problems:
            print(f'FAIL: {p}')
        print(f'translations: {len(problems)} problem(s)')
        return 1
    print('translations: OK')
    return 0


# ---------------------------------------------------------------------------------- self-test

PO_HEADER = '''msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: ru\\n"
"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\\n"

'''

GOOD_TREE = {
    'po/LINGUAS': 'ru\n',
    'po/POTFILES.in': 'data/demo.desktop.in\nsrc/demo.c\nui/demo.ui\n',
    'src/demo.c': '#include <glib/gi18n.h>\nconst char *a (void) { return _("Chats"); }\n'
                  'const char *b (int n) { return g_dngettext (NULL, "%d call", "%d calls", n); }\n'
                  '/* G_DEFINE_TYPE (Foo, foo, G_TYPE_OBJECT) is not a gettext call */\n',
    'src/plain.c': 'int f (void) { return FOO_(1); }\n',
    'ui/demo.ui': '<?xml version="1.0"?>\n<interface>\n  <object class="GtkLabel">\n'
                  '    <property name="label" translatable="yes">Calls</property>\n'
                  '  </object>\n</interface>\n',
    'data/demo.desktop.in': '[Desktop Entry]\nType=Application\nName=Zveno\nComment=Work messenger\n'
                            'Exec=zveno\n',
    'po/ru.po': PO_HEADER +
                'msgid "Zveno"\nmsgstr "Zveno"\n\n'
                'msgid "Work messenger"\nmsgstr "Рабочий мессенджер"\n\n'
                'msgid "Chats"\nmsgstr "Чаты"\n\n'
                '#, c-format\nmsgid "%d call"\nmsgid_plural "%d calls"\n'
                'msgstr[0] "%d звонок"\nmsgstr[1] "%d звонка"\nmsgstr[2] "%d звонков"\n\n'
                'msgid "Calls"\nmsgstr "Звонки"\n\n'
                '#~ msgid "Old"\n#~ msgstr ""\n',
}


def _write_tree(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)


def _mutations(real_root):
    """(name, function(tree_dir), text that the failure report must contain)."""
    def edit(rel, old, new):
        def apply(root):
            path = os.path.join(root, rel)
            with open(path, encoding='utf-8') as f:
                text = f.read()
            assert old in text, (rel, old)
            with open(path, 'w', encoding='utf-8') as f:
                f.write(text.replace(old, new, 1))
        return apply

    def add(rel, text):
        return lambda root: _write_tree(root, {rel: text})

    yield ('untranslated message', edit('po/ru.po', 'msgstr "Чаты"', 'msgstr ""'),
           'untranslated: "Chats"')
    yield ('fuzzy message', edit('po/ru.po', 'msgid "Calls"', '#, fuzzy\nmsgid "Calls"'),
           'fuzzy: "Calls"')
    yield ('one plural form empty', edit('po/ru.po', 'msgstr[2] "%d звонков"', 'msgstr[2] ""'),
           'untranslated: "%d call"')
    yield ('unlisted C file', add('src/new.c', 'void g (void) { puts (_("New")); }\n'),
           'src/new.c')
    yield ('unlisted .ui file', add('ui/new.ui', '<interface><object class="GtkLabel"><property '
                                    'name="label" translatable="yes">X</property></object>'
                                    '</interface>\n'), 'ui/new.ui')
    yield ('unlisted schema', add('data/x.gschema.xml', '<schemalist><schema id="x"><key name="k" '
                                  'type="b"><default>true</default><summary>S</summary></key>'
                                  '</schema></schemalist>\n'), 'data/x.gschema.xml')
    yield ('listed file missing', edit('po/POTFILES.in', 'src/demo.c\n', 'src/demo.c\nsrc/gone.c\n'),
           'src/gone.c')
    yield ('new string not in ru.po', edit('src/demo.c', '_("Chats")', '_("Chats Archive")'),
           '"Chats Archive"')
    yield ('new desktop key not in ru.po', edit('data/demo.desktop.in', 'Comment=Work messenger',
                                                'Comment=A work messenger'), '"A work messenger"')
    yield ('broken format string', edit('po/ru.po', 'msgstr[0] "%d звонок"', 'msgstr[0] "%s звонок"'),
           'msgfmt --check')
    yield ('ru.po missing', lambda root: os.unlink(os.path.join(root, 'po/ru.po')),
           'po/ru.po is missing')


def selftest(real_root):
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        good = os.path.join(tmp, 'good')
        _write_tree(good, GOOD_TREE)
        problems, _ = check(good)
        if problems:
            failures.append('the good tree should pass but failed with:\n' + '\n'.join(problems))
        else:
            print('ok - a complete tree passes')

        for i, (name, mutate, expected) in enumerate(_mutations(real_root)):
            tree = os.path.join(tmp, f'm{i}')
            shutil.copytree(good, tree)
            mutate(tree)
            problems, _ = check(tree)
            report = '\n'.join(problems)
            if not problems:
                failures.append(f'{name}: the check passed but should have failed')
            elif expected not in report:
                failures.append(f'{name}: the report does not name {expected!r}:\n{report}')
            else:
                print(f'ok - fails on: {name}')

        # And on the real tree: a translatable file nobody listed must be caught there too.
        if real_root and os.path.isfile(os.path.join(real_root, 'po', 'POTFILES.in')):
            copy = os.path.join(tmp, 'real')
            os.makedirs(copy)
            for part in ('po', *SCANNED_DIRS):
                src = os.path.join(real_root, part)
                if os.path.isdir(src):
                    shutil.copytree(src, os.path.join(copy, part),
                                    ignore=shutil.ignore_patterns('.*'))
            _write_tree(copy, {'src/app/zv-selftest-unlisted.c':
                               'const char *s (void) { return _("Selftest only"); }\n'})
            problems, _ = check(copy)
            report = '\n'.join(problems)
            if 'src/app/zv-selftest-unlisted.c' in report:
                print('ok - fails on: an unlisted file in a copy of the real tree')
            else:
                failures.append('an unlisted file in a copy of the real tree was not reported:\n'
                                + (report or '(no problems at all)'))

    for f in failures:
        print(f'FAIL: {f}')
    total = len(list(_mutations(real_root))) + 2
    print(f'translations-selftest: {total - len(failures)} passed, {len(failures)} failed')
    return 1 if failures else 0


def main(argv):
    for tool in ('xgettext', 'msgfmt'):
        if shutil.which(tool) is None:
            print(f'FAIL: {tool} is missing (Debian package gettext)')
            return 1
    if argv and argv[0] == '--selftest':
        return selftest(argv[1] if len(argv) > 1 else None)
    if len(argv) != 1:
        print(__doc__)
        return 2
    return run_check(os.path.abspath(argv[0]))


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
