#!/usr/bin/python3
"""Convert Wycheproof MAC test files (hmac_sha*_test.json) and the AES-CBC
file (aes_cbc_pkcs5_test.json) into the text vectors of the SHA/HMAC and
AES-CBC testbenches: one test per line, hex fields, '-' for an empty field.

    hmac:  tcId tagBits result key msg tag
    cbc:   tcId keyBits result key iv msg ct      (valid tests only; the ct
           still carries the PKCS#5 padding block, the testbench runs the raw
           CBC blocks of msg||padding)
Usage: wycheproof_mac.py {hmac|cbc} INPUT.json OUTPUT.txt
"""
import json
import sys


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("hmac", "cbc"):
        sys.exit("usage: wycheproof_mac.py {hmac|cbc} INPUT.json OUTPUT.txt")
    kind = sys.argv[1]
    with open(sys.argv[2], encoding="utf-8") as f:
        doc = json.load(f)
    lines = []
    for group in doc["testGroups"]:
        for t in group["tests"]:
            if kind == "hmac":
                fields = [str(t["tcId"]), str(group["tagSize"]), t["result"],
                          t["key"], t["msg"], t["tag"]]
            else:
                if t["result"] != "valid" or group["keySize"] == 192:
                    continue
                fields = [str(t["tcId"]), str(group["keySize"]), t["result"],
                          t["key"], t["iv"], t["msg"], t["ct"]]
            lines.append(" ".join(x if x else "-" for x in fields))
    with open(sys.argv[3], "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{sys.argv[3]}: {len(lines)} tests")


if __name__ == "__main__":
    main()
