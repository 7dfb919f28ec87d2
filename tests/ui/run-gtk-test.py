"""tests/ui/run-gtk-test.py: runs a GTK test program (GTest, TAP) inside run-ui-test.sh's X server
and private session bus, with a notification daemon (python3-dbusmock's notification_daemon
template) on that bus, so libnotify talks to a real D-Bus service whose calls the test can read.

    usage: run-gtk-test.py [--lang LANG] PROGRAM [ARGS...]
"""

import os
import subprocess
import sys
import time


def main():
    args = sys.argv[1:]
    lang = 'en'
    if len(args) >= 2 and args[0] == '--lang':
        lang = args[1]
        args = args[2:]
    if not args:
        print('usage: run-gtk-test.py [--lang LANG] PROGRAM [ARGS...]', file=sys.stderr)
        return 2

    env = dict(os.environ)
    env.pop('NO_AT_BRIDGE', None)
    env['GTK_A11Y'] = 'test'
    env['GSK_RENDERER'] = 'cairo'
    env['LANGUAGE'] = lang
    build_root = env.get('ZVENO_BUILD_ROOT', '')
    if build_root:
        env['ZVENO_LOCALEDIR'] = os.path.join(build_root, 'po')

    daemon = subprocess.Popen([sys.executable, '-m', 'dbusmock', '--session', '--template',
                               'notification_daemon'],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            probe = subprocess.run(['gdbus', 'call', '--session', '-d', 'org.freedesktop.DBus',
                                    '-o', '/org/freedesktop/DBus', '-m',
                                    'org.freedesktop.DBus.NameHasOwner',
                                    'org.freedesktop.Notifications'],
                                   capture_output=True, text=True)
            if 'true' in probe.stdout:
                break
            if daemon.poll() is not None or time.monotonic() > deadline:
                print('the dbusmock notification daemon did not start:',
                      daemon.stderr.read().decode(errors='replace'), file=sys.stderr)
                return 1
            time.sleep(0.05)
        return subprocess.run(args, env=env).returncode
    finally:
        daemon.terminate()
        daemon.wait()


if __name__ == '__main__':
    sys.exit(main())
