#!/usr/bin/env python3
"""Extracts the ATT PDUs of BlueZ's unit/test-gatt.c into a data file.

Every raw_pdu(...) of the file is one PDU a test sends or expects. Each
distinct PDU is written once, with its direction decided by its opcode
(Bluetooth Core 5.3, Vol 3 Part F, 3.4.8): requests, commands and the
confirmation go from client to server, responses, notifications and
indications from server to client. PDUs with an opcode ATT does not define
(test-gatt.c sends a few to check that servers reject them) are written as
"unknown".

Usage: ble_att_extract_test_gatt_pdus.py build/sources/bluez/unit/test-gatt.c \
           > tests/grammars/data/ble_att_test_gatt_pdus.txt
"""
import re
import sys

CLIENT = {0x02, 0x04, 0x06, 0x08, 0x0a, 0x0c, 0x0e, 0x10, 0x12, 0x16, 0x18, 0x1e, 0x20, 0x52, 0xd2}
SERVER = {0x01, 0x03, 0x05, 0x07, 0x09, 0x0b, 0x0d, 0x0f, 0x11, 0x13, 0x17, 0x19, 0x1b, 0x1d, 0x21, 0x23}


def byte_value(token):
    token = token.strip()
    if re.fullmatch(r"0[xX][0-9a-fA-F]{1,2}", token):
        return int(token, 16)
    if re.fullmatch(r"'(\\?.)'", token):
        text = token[1:-1]
        return ord(text[-1]) if not text.startswith("\\") else {"\\0": 0, "\\n": 10}.get(text, ord(text[1]))
    if re.fullmatch(r"[0-9]+", token):
        return int(token)
    return None


def main():
    source = open(sys.argv[1], encoding="utf-8").read()
    seen = []
    for match in re.finditer(r"raw_pdu\(([^)]*)\)", source):
        tokens = [t for t in match.group(1).replace("\\\n", " ").split(",") if t.strip()]
        if tokens == ["args..."]:
            continue  # the macro's own definition
        values = [byte_value(t) for t in tokens]
        if any(v is None for v in values):
            raise SystemExit(f"cannot read raw_pdu({match.group(1)})")
        pdu = bytes(values)
        if pdu not in seen:
            seen.append(pdu)
    print("# ATT PDUs of BlueZ 5.66 unit/test-gatt.c, one distinct PDU per line:")
    print("# direction (client, server or unknown opcode), then the PDU in hex.")
    print("# Written by tests/grammars/ble_att_extract_test_gatt_pdus.py.")
    for pdu in seen:
        opcode = pdu[0] if pdu else None
        direction = "client" if opcode in CLIENT else "server" if opcode in SERVER else "unknown"
        print(f"{direction} {pdu.hex() if pdu else '-'}")


if __name__ == "__main__":
    main()
