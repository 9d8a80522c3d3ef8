#!/usr/bin/python3
"""Convert Wycheproof aes_gcm_test.json into the text vectors of the crypto
testbench: one test per line,

    tcId keyBits result key iv aad msg ct tag

hex fields, '-' for an empty field, result one of valid/acceptable/invalid.
Only groups with ivSize 96 and tagSize 128 are written (ESP, RFC 4106); the
testbench skips the 192-bit keys the card does not support.
Usage: wycheproof_gcm.py INPUT.json OUTPUT.txt
"""
import json
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: wycheproof_gcm.py INPUT.json OUTPUT.txt")
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    written = 0
    other = 0
    lines = []
    for group in doc["testGroups"]:
        if group["ivSize"] != 96 or group["tagSize"] != 128:
            other += len(group["tests"])
            continue
        for t in group["tests"]:
            fields = [str(t["tcId"]), str(group["keySize"]), t["result"]]
            for name in ("key", "iv", "aad", "msg", "ct", "tag"):
                fields.append(t[name] if t[name] else "-")
            lines.append(" ".join(fields))
            written += 1
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wycheproof_gcm: {written} tests written, {other} with other IV/tag sizes left out")


if __name__ == "__main__":
    main()
