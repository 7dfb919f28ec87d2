#!/usr/bin/python3
"""check-api-doc.py SOURCE_ROOT: fails when docs/api.md misses a route, an error code or an event type.

Routes come from the table in src/server/zv-server.c, error codes from src/core/zv-error.c, event
types from the zv_events_* calls in src/server/*.c. A route "POST /api/v1/chats/*/read" must appear in
the document as a heading "### `POST /chats/{...}/read...`" (the base /api/v1 is left out there).
"""

import glob
import os
import re
import sys


def main(root):
    doc = open(os.path.join(root, 'docs', 'api.md'), encoding='utf-8').read()
    headings = re.findall(r'^#+ .*?`([A-Z]+) ([^`?]+)', doc, re.M)
    documented = {(m, re.sub(r'\{[^}]+\}', '*', p).rstrip('/')) for m, p in headings}
    failures = []

    server = open(os.path.join(root, 'src', 'server', 'zv-server.c'), encoding='utf-8').read()
    routes = re.findall(r'\{\s*"([A-Z]+)",\s*"([^"]+)",\s*zv_handle_', server)
    if len(routes) < 20:
        failures.append('found only %d routes in zv-server.c: the parser is broken' % len(routes))
    for method, pattern in routes:
        path = pattern[len('/api/v1'):] if pattern.startswith('/api/v1') else pattern
        if (method, path) not in documented:
            failures.append('route %s %s is not documented' % (method, pattern))

    errors = open(os.path.join(root, 'src', 'core', 'zv-error.c'), encoding='utf-8').read()
    for code in re.findall(r'\{ ZV_API_ERROR_\w+, "(\w+)", \d+ \}', errors):
        if code != 'unknown' and '`%s`' % code not in doc:
            failures.append('error code %s is not documented' % code)

    events = set()
    for path in glob.glob(os.path.join(root, 'src', 'server', 'zv-server*.c')):
        text = open(path, encoding='utf-8').read()
        events.update(re.findall(r'zv_events_(?:emit|emit_chat|send_live)\s*\([^;]*?"([a-z_.]+)"', text, re.S))
        events.update(re.findall(r'client_send\s*\([^;]*?"([a-z_.]+)"', text, re.S))
        events.update(re.findall(r"VALUES \(\?1, '([a-z_.]+)'", text))
        events.update(re.findall(r'finish_message_change \(req, "([a-z_.]+)"', text))
    if len(events) < 8:
        failures.append('found only %d event types: the parser is broken' % len(events))
    for event in sorted(events):
        if '| `%s` |' % event not in doc:
            failures.append('event %s is not in the events table' % event)

    for failure in failures:
        print('FAIL:', failure)
    print('%d routes, %d events checked' % (len(routes), len(events)))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
