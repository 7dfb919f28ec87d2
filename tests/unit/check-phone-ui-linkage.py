#!/usr/bin/python3
"""tests/unit/check-phone-ui-linkage.py ZVENO MODULE: the `zveno` executable does not link the phone's
libraries (sofia-sip, GStreamer, OpenSSL): its module libzveno-phone-ui does, and the app opens it
after its first frame (src/app/zv-phone-ui.h; docs/PERFORMANCE.md, "The phone's libraries"). Also
checks what the module needs from the executable is there: every zv_ function the module leaves
undefined must be exported by `zveno` (export_dynamic); one that is not would only show as a crash
the first time the module called it (lazy binding). Reports TAP."""

import re
import subprocess
import sys

# Libraries the first frame does not need; relocating them before main() cost ~4 ms of every start.
PHONE_LIBS = ('libsofia-sip-ua', 'libgstreamer-1.0', 'libgstapp-1.0', 'libgstaudio-1.0', 'libssl')


def readelf(*args):
    return subprocess.run(['readelf', '--wide', *args], check=True, capture_output=True, text=True).stdout


def needed(path):
    return re.findall(r'\(NEEDED\)\s+Shared library: \[([^\]]+)\]', readelf('-d', path))


def dyn_symbols(path):
    """(defined, undefined) names in the dynamic symbol table."""
    defined, undefined = set(), set()
    for line in readelf('--dyn-syms', path).splitlines():
        cols = line.split()
        if len(cols) < 8 or not cols[0].endswith(':'):
            continue
        name = cols[7].split('@')[0]
        (undefined if cols[6] == 'UND' else defined).add(name)
    return defined, undefined


def main():
    exe, module = sys.argv[1], sys.argv[2]
    results = []

    exe_needed = needed(exe)
    linked = [lib for lib in exe_needed if lib.startswith(PHONE_LIBS)]
    results.append((not linked and 'libgtk-4.so.1' in exe_needed,
                    f'zveno links none of the phone\'s libraries (linked: {linked})'))

    module_needed = needed(module)
    missing = [lib for lib in ('libsofia-sip-ua', 'libgstreamer-1.0')
               if not any(n.startswith(lib) for n in module_needed)]
    results.append((not missing, f'the module links the phone\'s libraries (missing: {missing})'))

    module_defined, module_undefined = dyn_symbols(module)
    results.append(('zv_phone_ui_module_get' in module_defined, 'the module exports its entry point'))

    exe_defined, _ = dyn_symbols(exe)
    wanted = sorted(s for s in module_undefined if s.startswith('zv_'))
    absent = [s for s in wanted if s not in exe_defined]
    results.append((wanted and not absent,
                    f'zveno exports the {len(wanted)} zv_ functions the module calls (absent: {absent[:10]})'))

    print(f'1..{len(results)}')
    for i, (ok, what) in enumerate(results, 1):
        print(f'{"ok" if ok else "not ok"} {i} - {what}')
    return 0 if all(ok for ok, _ in results) else 1


if __name__ == '__main__':
    sys.exit(main())
