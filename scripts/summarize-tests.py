#!/usr/bin/env python3
"""Prints one closing line "N passed, N failed[, N skipped]" over the meson
test logs (testlog.json, one JSON object per line) and fuzz results given
as PATH:LABEL arguments. Exit status 1 when anything failed."""
import json
import sys

PASS = {'OK', 'EXPECTEDFAIL'}
SKIP = {'SKIP'}


def main(args):
    passed = failed = skipped = 0
    for arg in args:
        path, _, label = arg.rpartition(':')
        if label == 'build-failed':
            print(f'{path}: build failed')
            failed += 1
            continue
        if path == 'check-source' or label == 'source':
            continue
        try:
            with open(path) as f:
                text = f.read()
        except OSError:
            print(f'{label}: no results ({path} missing)')
            failed += 1
            continue
        if text.lstrip().startswith('['):
            entries = json.loads(text)
        else:
            entries = [json.loads(line) for line in text.splitlines() if line.strip()]
        p = f_ = s = 0
        for e in entries:
            r = e.get('result', '')
            if r in PASS:
                p += 1
            elif r in SKIP:
                s += 1
                print(f'{label}: SKIPPED {e.get("name")}')
            else:
                f_ += 1
                print(f'{label}: FAILED {e.get("name")} ({r})')
        print(f'{label}: {p} passed, {f_} failed, {s} skipped')
        passed += p
        failed += f_
        skipped += s
    print(f'{passed} passed, {failed} failed' + (f', {skipped} skipped' if skipped else ''))
    return 1 if failed or passed == 0 else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
