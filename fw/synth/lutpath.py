#!/usr/bin/env python3
"""lutpath.py NETLIST.json [N] | lutpath.py --summary NETLIST.json

Logic depth of a yosys synth_xilinx netlist (write_json), in LUT levels from a
register or port to a register or port: LUT 1, MUXF7/8/9 0.5, CARRY 0.25
(the last two stay inside a slice); every other cell (FD*, RAMB*, SRL, DSP,
URAM, RAM*, IBUF/BUFG, and the instances of modules kept as black boxes, whose
outputs count as registered and inputs as endpoints) starts and ends paths.

Default: the N deepest paths (one per signal vector), each named by its start,
its endpoint and the public signals it passes.
--summary: `max_depth=X` (the deepest path), then how many endpoint pins end
at each depth (`depth COUNT` lines, deepest first): what the depth gate reads.
"""
import collections
import json
import sys

COMB = ("LUT", "MUXF", "CARRY", "INV")


def weight(t):
    if t.startswith("LUT"):
        return 1.0
    if t.startswith("MUXF"):
        return 0.5
    if t.startswith("CARRY"):
        return 0.25
    return 0.0


def main():
    args = sys.argv[1:]
    summary = bool(args) and args[0] == "--summary"
    if summary:
        args = args[1:]
    if not args:
        sys.exit("usage: lutpath.py NETLIST.json [N] | lutpath.py --summary NETLIST.json")
    d = json.load(open(args[0]))
    n_show = int(args[1]) if len(args) > 1 else 5
    mods = d["modules"]
    top = [m for m, v in mods.items() if v.get("attributes", {}).get("top")]
    m = mods[top[0] if top else list(mods)[0]]
    cells = m["cells"]
    # Best public name of every net bit (shortest name without '$').
    name = {}
    for nn, net in m.get("netnames", {}).items():
        bits = net["bits"]
        for i, b in enumerate(bits):
            if not isinstance(b, int):
                continue
            label = nn if len(bits) == 1 else f"{nn}[{i + net.get('offset', 0)}]"
            old = name.get(b)
            pub = not nn.startswith("$")
            if old is None or (pub and (old[0] == "$" or len(label) < len(old))):
                name[b] = label
    driver = {}
    for cn, c in cells.items():
        for p, dirn in c.get("port_directions", {}).items():
            if dirn == "output":
                for b in c["connections"].get(p, []):
                    if isinstance(b, int):
                        driver[b] = cn

    def is_src(cn):
        return not cells[cn]["type"].startswith(COMB)

    sys.setrecursionlimit(1000000)
    memo, via = {}, {}

    def arr(cn):
        if cn in memo:
            return memo[cn]
        memo[cn] = 0.0
        c = cells[cn]
        best, best_bit = 0.0, None
        for p, dirn in c["port_directions"].items():
            if dirn != "input":
                continue
            for b in c["connections"].get(p, []):
                if not isinstance(b, int) or b not in driver:
                    continue
                dc = driver[b]
                v = 0.0 if is_src(dc) else arr(dc)
                if best_bit is None or v > best:
                    best, best_bit = v, b
        memo[cn] = best + weight(c["type"])
        via[cn] = best_bit
        return memo[cn]

    ends = []
    for cn, c in cells.items():
        if c["type"].startswith(COMB):
            continue
        for p, dirn in c["port_directions"].items():
            if dirn != "input" or p in ("C", "CLK", "CLKARDCLK", "CLKBWRCLK"):
                continue
            for b in c["connections"].get(p, []):
                if isinstance(b, int) and b in driver and not is_src(driver[b]):
                    ends.append((arr(driver[b]), name.get(b, str(b)), b))
    ends.sort(key=lambda e: -e[0])
    if summary:
        print(f"max_depth={ends[0][0] if ends else 0.0:.2f}")
        for depth, count in sorted(collections.Counter(e[0] for e in ends).items(),
                                   reverse=True):
            print(f"depth {depth:5.2f} {count}")
        return
    seen = set()
    shown = 0
    for depth, label, b in ends:
        # one line per signal vector (strip the bit index)
        key = label.split("[")[0]
        if key in seen:
            continue
        seen.add(key)
        path, cn = [], driver[b]
        while cn is not None and not is_src(cn):
            path.append(name.get(via.get(cn), "?") if via.get(cn) is not None else "?")
            nb = via.get(cn)
            cn = driver.get(nb) if nb is not None else None
        start = path[-1] if path else "?"
        mids = [p for p in reversed(path[:-1]) if not p.startswith("$")]
        print(f"  {depth:5.2f} levels  {start} -> {label}"
              + (f"   via {', '.join(mids[:4])}" if mids else ""))
        shown += 1
        if shown >= n_show:
            break


if __name__ == "__main__":
    main()
