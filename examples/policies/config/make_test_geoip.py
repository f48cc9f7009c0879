#!/usr/bin/env python3
"""Writes a small MaxMind-format (MMDB v2) country database for tests, with no download.

    python3 make_test_geoip.py OUT.mmdb [CIDR=CC ...]

Without networks it writes the built-in test set below (documentation and private-use ranges made
to look like countries, so no real address is claimed). The file follows the MaxMind DB spec v2.0
(https://maxmind.github.io/MaxMind-DB/): an IPv6 search tree with 24-bit records (IPv4 networks at
::a.b.c.d/96+n, where libmaxminddb looks IPv4 addresses up), a 16-byte zero separator, the data section
(one map {"country": {"iso_code": CC}} per country) and the metadata map after "\\xab\\xcd\\xefMaxMind.com".
Any MaxMind reader (libmaxminddb, mmdblookup from package mmdb-bin) reads it. Python 3 standard
library only; the output is byte-for-byte reproducible (build_epoch is fixed).
"""
import ipaddress
import struct
import sys

DEFAULT_NETWORKS = [
    ("198.51.100.0/25", "ID"),   # TEST-NET-2, lower half: "Indonesia"
    ("198.51.100.128/25", "SG"), # TEST-NET-2, upper half: "Singapore"
    ("203.0.113.0/24", "US"),    # TEST-NET-3: "United States"
    ("192.0.2.0/24", "DE"),      # TEST-NET-1: "Germany"
    ("100.100.0.0/16", "ID"),    # inside CGNAT space: "Indonesia"
    ("2001:db8:1::/48", "ID"),   # IPv6 documentation prefix: "Indonesia"
    ("2001:db8:2::/48", "JP"),   # "Japan"
]


def ctrl(type_id, size):
    """Control byte(s) for a type and payload size (spec: "Data Field Format")."""
    out = bytearray()
    if type_id <= 7:
        first = type_id << 5
        ext = b""
    else:
        first = 0
        ext = bytes([type_id - 7])
    if size < 29:
        out.append(first | size)
        out += ext
    elif size < 29 + 256:
        out.append(first | 29)
        out += ext
        out.append(size - 29)
    elif size < 285 + 65536:
        out.append(first | 30)
        out += ext
        out += struct.pack(">H", size - 285)
    else:
        out.append(first | 31)
        out += ext
        out += struct.pack(">I", size - 65821)[1:]
    return bytes(out)


def enc(value):
    if isinstance(value, str):
        b = value.encode("utf-8")
        return ctrl(2, len(b)) + b
    if isinstance(value, dict):
        out = ctrl(7, len(value))
        for k, v in value.items():
            out += enc(k) + enc(v)
        return out
    if isinstance(value, list):
        out = ctrl(11, len(value))
        for v in value:
            out += enc(v)
        return out
    if isinstance(value, tuple):  # (type, int): uint16 = 5, uint32 = 6, uint64 = 9
        type_id, n = value
        b = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
        return ctrl(type_id, len(b)) + b
    raise TypeError(value)


def build(networks):
    # Data section: one record per distinct country.
    data = bytearray()
    offsets = {}
    for _, cc in networks:
        if cc not in offsets:
            offsets[cc] = len(data)
            data += enc({"country": {"iso_code": cc}})

    # Trie over 128-bit keys. A node is [left, right]; a child is None, ("node", i) or ("data", cc).
    nodes = [[None, None]]
    for cidr, cc in networks:
        net = ipaddress.ip_network(cidr, strict=True)
        if net.version == 4:
            key = int(net.network_address)  # ::a.b.c.d
            plen = 96 + net.prefixlen
        else:
            key = int(net.network_address)
            plen = net.prefixlen
        node = 0
        for depth in range(plen):
            bit = (key >> (127 - depth)) & 1
            if depth == plen - 1:
                nodes[node][bit] = ("data", cc)
                break
            child = nodes[node][bit]
            if child is None or child[0] == "data":
                nodes.append([child, child])  # push an existing (shorter) network's data down
                nodes[node][bit] = ("node", len(nodes) - 1)
                child = nodes[node][bit]
            node = child[1]

    count = len(nodes)

    def record(child):
        if child is None:
            return count  # "no data"
        if child[0] == "node":
            return child[1]
        return count + 16 + offsets[child[1]]

    tree = bytearray()
    for left, right in nodes:
        for r in (record(left), record(right)):
            if r >= 1 << 24:
                raise ValueError("tree too large for 24-bit records")
            tree += r.to_bytes(3, "big")

    metadata = enc({
        "binary_format_major_version": (5, 2),
        "binary_format_minor_version": (5, 0),
        "build_epoch": (9, 1767225600),
        "database_type": "LeakGuard-Test-Country",
        "description": {"en": "LeakGuard test country database (not real locations)"},
        "ip_version": (5, 6),
        "languages": ["en"],
        "node_count": (6, count),
        "record_size": (5, 24),
    })
    return bytes(tree) + b"\x00" * 16 + bytes(data) + b"\xab\xcd\xefMaxMind.com" + metadata


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    networks = DEFAULT_NETWORKS
    if len(argv) > 2:
        networks = []
        for arg in argv[2:]:
            cidr, _, cc = arg.partition("=")
            if len(cc) != 2:
                print(f"bad network '{arg}': write CIDR=CC", file=sys.stderr)
                return 2
            networks.append((cidr, cc.upper()))
    # Longer prefixes after shorter ones, so a more specific network overrides its container.
    networks = sorted(networks, key=lambda n: ipaddress.ip_network(n[0]).prefixlen +
                      (96 if ipaddress.ip_network(n[0]).version == 4 else 0))
    with open(argv[1], "wb") as f:
        f.write(build(networks))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
