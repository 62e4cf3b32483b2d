#!/usr/bin/env python3
"""Cold text: the code a program never runs, placed apart so that it is never resident.

Linux maps the pages of a program's file around every page fault (64 KB at a time, more when it reads ahead), so
a program whose run code is spread thinly over its text has almost all of it resident. habitat-operator links
OpenSSL and glibc statically, and OpenSSL's providers reference every algorithm: 5.2 MB of text, of which ~2.7 MB
ever runs. habop_static_program(... COLD_TEXT <script>) links the program with a GNU ld script that this tool
writes: an output section, `.text.habop_cold`, inserted before `.text`, that takes the input sections no profile
ran (and one for glibc's per-CPU string functions, see CPU_VARIANT). The code that runs stays together in `.text`
(where debuggers and valgrind look for it). The program is the same code in another order: new code lands among
the hot code, and an entry that no longer names anything only costs memory.

  cold_text.py generate --map LINK_MAP --program PATH --out SCRIPT CALLGRIND_OUT...
      The input sections of LINK_MAP's text that hold no instruction executed by PATH in any of the callgrind
      profiles (valgrind --tool=callgrind --dump-instr=yes), as a linker script. Profile a program linked
      without the script: valgrind attributes the code outside `.text` to no object.
  cold_text.py empty --out SCRIPT
      A script that places nothing: what a program is linked with while it is profiled.
  cold_text.py check --map LINK_MAP --script SCRIPT [--min-found FRACTION]
      Fails when fewer than FRACTION (0.8) of SCRIPT's entries name an input section of LINK_MAP: the code has
      moved on since the profile and bench/operator/profile_cold_text.sh should be run again.

Granularity is what the archives give: a function for code compiled with -ffunction-sections (habop's own,
libstdc++), a whole object file otherwise (Debian's OpenSSL, zlib, glibc).
"""

import argparse
import bisect
import collections
import re
import sys

COLD_SECTION = ".text.habop_cold"


def text_input_sections(map_path):
    """(address, size, section name, file) of every input section placed in an output section named .text*."""
    sections = []
    started = False
    output = None
    pending = None
    one_line = re.compile(r"^ (\.\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
    name_only = re.compile(r"^ (\.\S+)\s*$")
    continued = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
    with open(map_path, errors="replace") as lines:
        for line in lines:
            if not started:
                started = line.startswith("Linker script and memory map")
                continue
            if line.startswith("."):
                output = line.split()[0]
                pending = None
                continue
            if output is None or not output.startswith(".text"):
                continue
            m = one_line.match(line)
            if m:
                sections.append((int(m.group(2), 16), int(m.group(3), 16), m.group(1), m.group(4).strip(), output))
                pending = None
                continue
            m = name_only.match(line)
            if m:
                pending = m.group(1)
                continue
            m = continued.match(line)
            if m and pending:
                sections.append((int(m.group(1), 16), int(m.group(2), 16), pending, m.group(3).strip(), output))
                pending = None
    if not started:
        sys.exit(f"{map_path}: not a GNU ld link map (no 'Linker script and memory map')")
    return sorted(s for s in sections if s[1] > 0)


def executed_addresses(profile_path, program):
    """Addresses of the instructions of `program` that a callgrind profile (--dump-instr=yes) saw executed."""
    objects = {}
    current = None
    last = 0
    addresses = set()
    with open(profile_path, errors="replace") as lines:
        for line in lines:
            # Objects are numbered where first named, by an ob= (the costs' object) or a cob= (a callee's).
            if line.startswith("ob=") or line.startswith("cob="):
                m = re.match(r"c?ob=\((\d+)\)(?: (.*))?", line.rstrip("\n"))
                if m is None:
                    continue
                if m.group(2):
                    objects[m.group(1)] = m.group(2)
                if line.startswith("ob="):
                    current = objects.get(m.group(1))
                continue
            # A cost line starts with its instruction address: absolute (0x...), relative (+n, -n) or the same (*).
            # A calls= line names the callee, which reports its own cost lines; it is skipped.
            first = line[:1]
            if first not in "0123456789+-*":
                continue
            token = line.split(" ", 1)[0]
            try:
                if token.startswith("0x"):
                    last = int(token, 16)
                elif token.startswith("+"):
                    last += int(token[1:])
                elif token.startswith("-"):
                    last -= int(token[1:])
                elif token != "*":
                    last = int(token)
            except ValueError:
                continue
            if current == program:
                addresses.add(last)
    if not objects:
        # A process killed by SIGKILL leaves an empty or cut profile: its code ran in other profiles too.
        print(f"{profile_path}: skipped, no callgrind costs (a killed process, or not --dump-instr=yes)",
              file=sys.stderr)
    return addresses


def entries(sections):
    """The linker script pattern that selects each input section alone: its name, when no other input section has
    it (a function's own section, -ffunction-sections, or a template's, kept once); else its file and name (an
    object file's `.text`; glibc's `.text.evex`, one per string function variant; a function of internal linkage
    with namesakes)."""
    names = collections.Counter(s[2] for s in sections)
    patterns = []
    for _, _, section, file, _ in sections:
        if names[section] == 1 and section not in (".text", ".text.unlikely", ".text.hot", ".text.startup"):
            patterns.append(f"*({section})")
            continue
        member = re.search(r"([^/]+\.a)\(([^)]+)\)$", file)
        patterns.append(f"*{member.group(1)}:{member.group(2)}({section})" if member
                        else f"*{file.rsplit('/', 1)[-1]}({section})")
    return patterns


# glibc's string and memory functions come in variants per CPU feature (memmove-avx-unaligned-erms.o,
# strlen-evex.o, ...), one family picked at startup by the CPU it runs on; valgrind's simulated CPU is not the one
# the program will run on, so which variant ran under profiling says nothing. They go to a section of their own
# between the cold code and `.text` (~170 KB), grouped by instruction set, so that a CPU's family is together.
CPU_VARIANT = re.compile(r"libc\.a\([^)]*?-(sse\d?|ssse3|sse4_[12]|avx\d*|evex\d*|erms|rtm|fma4?)[-.][^)]*\)$")
VARIANT_SECTION = ".text.habop_cpu_variants"


def instruction_set(file):
    """The CPU feature a glibc variant's object is for ("avx2" for strlen-avx2-rtm.o), or None."""
    m = CPU_VARIANT.search(file)
    return m.group(1) if m else None


def generate(args):
    sections = text_input_sections(args.map)
    starts = [s[0] for s in sections]
    ran = set()
    for profile in args.profiles:
        for address in executed_addresses(profile, args.program):
            i = bisect.bisect_right(starts, address) - 1
            if i >= 0 and address < sections[i][0] + sections[i][1]:
                ran.add(i)
    if not ran:
        sys.exit(f"no instruction of {args.program} in the profiles: was it linked without the script, and is "
                 "--program the profiled binary's path?")
    patterns = entries(sections)
    variants = {}
    for pattern, section in zip(patterns, sections):
        if isa := instruction_set(section[3]):
            variants[pattern] = isa
    hot = {patterns[i] for i in ran}
    cold = {p for p in patterns if p not in variants} - hot
    total = sum(s[1] for s in sections)
    cold_size = sum(s[1] for p, s in zip(patterns, sections) if p in cold)
    write_script(args.out,
                 "The code habitat-operator never ran under profiling, placed apart so that it stays on disk:\n"
                 "   cmake/cold_text.py explains; bench/operator/profile_cold_text.sh writes this file from\n"
                 "   callgrind profiles of the benchmark and the operator's e2e scenarios.\n"
                 f"   {len(cold)} input sections, {cold_size // 1024} KB cold; {(total - cold_size) // 1024} KB not.",
                 sorted(cold), sorted(variants, key=lambda p: (variants[p], p)))
    print(f"{args.out}: {len(cold)} input sections, {cold_size // 1024} KB cold of {total // 1024} KB of text")


def write_script(path, comment, cold, variants):
    """The linker script: its comment, then the cold and the variant sections, each INSERTed before `.text`."""
    with open(path, "w") as out:
        out.write(f"/* {comment} */\n")
        for section, patterns in ((COLD_SECTION, cold), (VARIANT_SECTION, variants)):
            out.write(f"SECTIONS\n{{\n  {section} :\n  {{\n")
            for pattern in patterns:
                out.write(f"    {pattern}\n")
            out.write("  }\n}\nINSERT BEFORE .text;\n")


def check(args):
    with open(args.script) as script:
        listed = [line.strip() for line in script if line.startswith("    *")]
    if not listed:
        sys.exit(f"{args.script}: no entries")
    sections = text_input_sections(args.map)
    present = set(entries(sections))
    placed = [s for s in sections if s[4] == COLD_SECTION]
    found = [p for p in listed if p in present]
    fraction = len(found) / len(listed)
    print(f"{len(found)} of the {len(listed)} entries of {args.script} name code of the program; "
          f"{COLD_SECTION} holds {len(placed)} input sections, {sum(s[1] for s in placed) // 1024} KB")
    if not placed:
        sys.exit(f"{args.map}: no {COLD_SECTION} section: the program was linked without {args.script}")
    if fraction < args.min_found:
        missing = [p for p in listed if p not in present]
        sys.exit(f"only {fraction:.0%} of the cold-text entries still exist (at least {args.min_found:.0%} "
                 f"expected), e.g. {missing[:3]}: the code changed since the profile; run "
                 "bench/operator/profile_cold_text.sh to write it again")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    g = commands.add_parser("generate")
    g.add_argument("--map", required=True)
    g.add_argument("--program", required=True)
    g.add_argument("--out", required=True)
    g.add_argument("profiles", nargs="+")
    e = commands.add_parser("empty")
    e.add_argument("--out", required=True)
    c = commands.add_parser("check")
    c.add_argument("--map", required=True)
    c.add_argument("--script", required=True)
    c.add_argument("--min-found", type=float, default=0.8)
    args = parser.parse_args()
    if args.command == "generate":
        generate(args)
    elif args.command == "empty":
        write_script(args.out, "Empty while bench/operator/profile_cold_text.sh profiles the operator.", [], [])
    else:
        check(args)


if __name__ == "__main__":
    main()
