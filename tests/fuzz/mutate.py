"""Mutation fuzzer: real-world-shaped Dockerfiles, mutated at the line and token level,
through parse, compile and lint. Any exception that is not a DfcError is a crash.

Character-level fuzzing (tests/grammar/test_fuzz.py) rarely produces an input that
parses far enough to reach the compiler; splicing whole instructions, flags, `${...}`
forms, continuations and heredoc markers into files that already parse does.

    python tests/fuzz/mutate.py --count 100000 --seed 1 --out /tmp/crashes
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dfc import compile_dockerfile
from dfc.compiler.context import CompileContext
from dfc.compiler.ir import ImageConfig, ImageRef
from dfc.compiler.lint import engine
from dfc.compiler.lint.config import LintConfig, Overrides, options
from dfc.compiler.lint.rule import Surroundings
from dfc.compiler.pipeline import compile_ast
from dfc.errors import DfcError
from dfc.grammar.parser import parse_dockerfile

CORPUS_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "fuzz_corpus"

KEYWORDS = [
    "FROM", "RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "ENV", "LABEL", "ARG",
    "EXPOSE", "VOLUME", "USER", "WORKDIR", "STOPSIGNAL", "HEALTHCHECK", "MAINTAINER",
    "ONBUILD", "ONBUILD ONBUILD", "ONBUILD FROM", "from", "run", "AS", "as", "NONE",
]
FLAGS = [
    "--mount=type=cache,target=/x", "--mount=type=bind,source=.,target=/s,rw",
    "--mount=type=secret,id=s,target=/run/s,required", "--mount=type=ssh",
    "--mount=type=tmpfs,target=/t,size=1k", "--mount=from=base,target=/m",
    "--mount=type=cache,id=${ID},target=${T:-/c},uid=1,gid=2,mode=0755,sharing=private",
    "--mount=", "--mount=type=", "--mount=target", "--mount=type=cache",
    "--mount=type=bind,from=0,source=/a,target=/b", "--mount=type=cache,target=/x,mode=9",
    "--chown=1:1", "--chown=${U}:${G}", "--chown=", "--chmod=755", "--chmod=0o7",
    "--chmod=u+x", "--chmod=", "--chmod=99999999999999999999", "--link", "--link=false",
    "--from=0", "--from=base", "--from=", "--from=${S}", "--from=-1", "--from=99",
    "--platform=linux/amd64", "--platform=$BUILDPLATFORM", "--platform=", "--platform=a/b/c/d",
    "--platform=${P}", "--network=none", "--network=host", "--network=", "--security=insecure",
    "--security=", "--checksum=sha256:00", "--checksum=", "--keep-git-dir", "--exclude=*",
    "--parents", "--interval=1s", "--interval=", "--interval=-1s", "--interval=1x",
    "--timeout=0s", "--start-period=1h", "--start-interval=1ms", "--retries=0",
    "--retries=-1", "--retries=99999999999999999999", "--retries=", "--", "-", "--x=y",
]
EXPANSIONS = [
    "$A", "${A}", "${A:-x}", "${A-x}", "${A:+x}", "${A+x}", "${A#p}", "${A##p*}",
    "${A%p}", "${A%%*p}", "${A/a/b}", "${A//a/b}", "${A/#a/b}", "${A/%a/b}", "${A:?err}",
    "${A?}", "${A:1:2}", "${A^^}", "${!A}", "${#A}", "${", "${}", "${A", "${A:-${B:-c}}",
    "${A:-", "${:-x}", "${A/}", "${A//}", "$", "$$", "${1}", "${A:-$}", "\\${A}",
    "$TARGETPLATFORM", "${BUILDPLATFORM}", "${TARGETARCH}", "${BUILDKIT_SYNTAX}",
]
ESCAPES = ["\\", "`", "\\\\", "``", "\\ ", "` ", "\\\t", "\\\"", "\\'", "\\$", "`$"]
QUOTES = ['"', "'", '""', "''", '"a b"', "'a b'", '\\"', "\"'\"", "'\"'"]
BRACKETS = ["[", "]", "[]", '["a"]', '["a", "b"]', '[ "a" , ]', "[1]", '["a" "b"]',
            '["\\u0041"]', '["a\\"]', "{", "}", "(", ")", "[[", "]]"]
HEREDOCS = [
    "<<EOF", "<<-EOF", "<<'EOF'", '<<"EOF"', "<<EOF1 <<EOF2", "<<", "<<-", "3<<EOF",
    "<<E\"O\"F", "<<''", "<<-'X'", "<< EOF", "<<$A", "<<${A}", "EOF", "\tEOF", "EOF1",
    "EOF2", "<<EOF cat > /x", "<<EOF /dst", "<<<EOF", "<<EOF<<EOF",
]
WORDS = ["alpine", "scratch", "base", "0", "1", "x", "AS", "a=b", "a=", "=b", "=", "k=v k2=v2",
         "/", ".", "..", "/a/b", "C:\\a", "C:\\", "80/tcp", "80-90", "SIGKILL", "SIGRTMIN+3",
         "root:root", "1000", "", " ", "\t", "#", "# x", "é", "\u00a0", "\x00", "\r",
         "alpine:3.20@sha256:" + "0" * 64, "a/b:c", "A:B:C", "UPPER/case", "-x"]
LINES = [
    "", " ", "\t", " \t ", "#", "# comment", "# escape=`", "# escape=\\", "# escape=x",
    "# syntax=docker/dockerfile:1", "# check=skip=all", "# check=error=true",
    "# directive=value", "\\", "`", "FROM alpine", "FROM scratch AS base", "FROM base",
    "FROM --platform=$BUILDPLATFORM alpine AS b2", "FROM ${A:-alpine} AS ${N}",
    "ARG A", "ARG A=1", "ARG A=${B:-x} B", "ARG TARGETPLATFORM", "ARG BUILDPLATFORM",
    "ENV A=1", "ENV A", "ENV A B C", "ONBUILD RUN x", "ONBUILD ONBUILD RUN x",
    "ONBUILD COPY --from=base / /", "RUN <<EOF", "EOF", "COPY <<EOF /x", "RUN <<-EOF",
    "\tEOF", "RUN a \\", "RUN a `", "HEALTHCHECK NONE", "HEALTHCHECK CMD true",
    "HEALTHCHECK --interval=1s CMD", "SHELL []", 'SHELL ["a"]', "SHELL x", "CMD []", "CMD",
    "COPY --from=0 / /", "COPY a", "ADD", "USER", "WORKDIR", "EXPOSE", "VOLUME []",
    "STOPSIGNAL", "LABEL", "LABEL a", "MAINTAINER", "FROM", "RUN", "ENTRYPOINT []",
]
FRAGMENTS: list[list[str]] = [KEYWORDS, FLAGS, EXPANSIONS, ESCAPES, QUOTES, BRACKETS,
                              HEREDOCS, WORDS]
TOKEN = re.compile(r"\s+|[^\s]+")
PLATFORMS = [None, "linux/amd64", "linux/arm64/v8", "windows/amd64", "linux/arm/v7",
             "linux", "/", "linux/", "a/b/c/d", "LINUX/AMD64", ""]
ARG_VALUES = ["", "x", "alpine", "base", "0", "linux/arm64", "${A}", "$", "a b", "-",
              "scratch", "a/b:c", "\\", "`", "--x", "1000:1000"]


def load_corpus(folder: Path = CORPUS_DIR) -> list[str]:
    return [p.read_text() for p in sorted(folder.glob("*.Dockerfile"))]


def _fragment(rng: random.Random) -> str:
    return rng.choice(rng.choice(FRAGMENTS))


def _tokens(line: str) -> list[str]:
    return TOKEN.findall(line)


def _line_op(rng: random.Random, lines: list[str], corpus: list[str]) -> None:
    """Delete, duplicate, move, splice or insert whole lines."""
    n = len(lines)
    i = rng.randrange(n + 1)
    j = min(n, i + rng.choice((1, 1, 1, 2, 3, 8)))
    op = rng.randrange(7)
    if op == 0 and n:
        del lines[i:j]
    elif op == 1:
        lines[i:i] = lines[i:j]
    elif op == 2:
        other = rng.choice(corpus).split("\n")
        a = rng.randrange(len(other))
        lines[i:i] = other[a:a + rng.choice((1, 2, 4, 10))]
    elif op == 3:
        lines.insert(i, rng.choice(LINES))
    elif op == 4 and n:
        chunk = lines[i:j]
        del lines[i:j]
        k = rng.randrange(len(lines) + 1)
        lines[k:k] = chunk
    elif op == 5:
        lines.insert(i, rng.choice(("", " ", "\t", "  \t")))
    else:
        lines.insert(i, " ".join(_fragment(rng) for _ in range(rng.randint(1, 4))))


def _token_op(rng: random.Random, lines: list[str], corpus: list[str]) -> None:
    """Insert, replace, delete or duplicate a token inside a line; add or drop a
    continuation at its end; swap its instruction keyword."""
    if not lines:
        lines.append("")
    i = rng.randrange(len(lines))
    tokens = _tokens(lines[i])
    k = rng.randrange(len(tokens) + 1)
    op = rng.randrange(8)
    if op == 0:
        tokens[k:k] = [_fragment(rng), " "] if rng.random() < 0.7 else [_fragment(rng)]
    elif op == 1 and tokens:
        tokens[min(k, len(tokens) - 1)] = _fragment(rng)
    elif op == 2 and tokens:
        del tokens[min(k, len(tokens) - 1)]
    elif op == 3 and tokens:
        t = tokens[min(k, len(tokens) - 1)]
        tokens[k:k] = [t, " "]
    elif op == 4:
        tokens.append(rng.choice((" \\", "\\", " `", "`", " \\ ", "\\\t", "")))
    elif op == 5:
        line = lines[i].rstrip()
        tokens = _tokens(line[:-1] if line.endswith(("\\", "`")) else line + " \\")
    elif op == 6:
        stripped = lines[i].lstrip()
        parts = stripped.split(None, 1)
        tokens = [rng.choice(KEYWORDS), " ", parts[1] if len(parts) > 1 else ""]
    else:
        other = _tokens(rng.choice(rng.choice(corpus).split("\n")))
        if other:
            a = rng.randrange(len(other))
            tokens[k:k] = other[a:a + rng.randint(1, 6)]
    lines[i] = "".join(tokens)


def _char_op(rng: random.Random, lines: list[str], corpus: list[str]) -> None:
    if not lines:
        return
    i = rng.randrange(len(lines))
    line = lines[i]
    k = rng.randrange(len(line) + 1)
    lines[i] = line[:k] + rng.choice('\\`$"\'{}[]#=:-/ \t<') + line[k + rng.randint(0, 1):]


OPS: list[Callable[[random.Random, list[str], list[str]], None]] = [
    _line_op, _line_op, _token_op, _token_op, _token_op, _char_op]


def mutate(rng: random.Random, corpus: list[str]) -> str:
    lines = rng.choice(corpus).split("\n")
    for _ in range(rng.choice((1, 1, 2, 2, 3, 4, 6))):
        rng.choice(OPS)(rng, lines, corpus)
    return "\n".join(lines)


@dataclass
class Variation:
    """One way to compile a text: build args, target, platform, base-image triggers."""

    build_args: dict[str, str] = field(default_factory=dict)
    target: str | None = None
    platform: str | None = None
    triggers: tuple[str, ...] = ()


def variations(rng: random.Random, text: str) -> list[Variation]:
    names = re.findall(r"\b(?:ARG|ONBUILD ARG)\s+([A-Za-z_][A-Za-z0-9_]*)", text)
    stages = re.findall(r"(?i)\bAS\s+(\S+)", text)
    args = {name: rng.choice(ARG_VALUES) for name in rng.sample(names, min(len(names), 3))}
    args.update({"TARGETPLATFORM": rng.choice(ARG_VALUES)} if rng.random() < 0.2 else {})
    triggers = tuple(rng.choice(LINES[15:]) for _ in range(rng.randint(1, 3)))
    return [
        Variation(),
        Variation(args, rng.choice(stages + ["nope", "0", ""]) if stages else None,
                  rng.choice(PLATFORMS)),
        Variation(triggers=triggers, platform=rng.choice(PLATFORMS)),
    ]


def _resolver(triggers: tuple[str, ...]) -> Callable[[ImageRef], ImageConfig | None]:
    config = ImageConfig(on_build=triggers, env=("PATH=/bin", "A=1"), working_dir="/w")
    return lambda ref: config


LINT_OPTIONS = options(LintConfig(), Overrides(select=("ALL",)))


def run_one(text: str, variation_list: list[Variation]) -> None:
    """Everything dfc does to a Dockerfile without building it (compiling parses it
    first); raises on a crash."""
    try:
        tree = parse_dockerfile(text)
    except DfcError:
        tree = None
    for n, v in enumerate(variation_list):
        ctx = CompileContext(build_args=v.build_args, target=v.target, platform=v.platform,
                             resolver=_resolver(v.triggers) if v.triggers else None)
        try:
            if n == 0 or tree is None:  # the public entry point, once
                compile_dockerfile(text, build_args=ctx.build_args, target=ctx.target,
                                   platform=ctx.platform, resolver=ctx.resolver)
            else:  # the same passes over the same tree: parsing again finds nothing new
                compile_ast(tree, ctx)
        except DfcError:
            pass
    item = engine.FileInput("Dockerfile", text, LINT_OPTIONS, Surroundings())
    # ShellCheck jobs built (not run: that is the shellcheck binary's time)
    engine.lint_files([item], check_scripts=lambda jobs: [[] for _ in jobs])


def signature(exc: BaseException) -> str:
    """What makes two crashes the same: the exception type and where it was raised."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = frames[-1] if frames else None
    place = f"{Path(where.filename).name}:{where.lineno}" if where else "?"
    return f"{type(exc).__name__} at {place}"


def crash_of(text: str, variation_list: list[Variation]) -> BaseException | None:
    try:
        run_one(text, variation_list)
    except DfcError:
        return None
    except RecursionError as exc:
        return exc
    except Exception as exc:
        return exc
    return None


def minimize(text: str, variation_list: list[Variation], sig: str) -> str:
    """Drop lines, then tokens, then characters while the same crash remains."""
    def same(candidate: str) -> bool:
        exc = crash_of(candidate, variation_list)
        return exc is not None and signature(exc) == sig

    lines = text.split("\n")
    chunk = max(1, len(lines) // 2)
    while chunk >= 1:
        i = 0
        while i < len(lines):
            candidate = lines[:i] + lines[i + chunk:]
            if same("\n".join(candidate)):
                lines = candidate
            else:
                i += chunk
        chunk //= 2
    for index in range(len(lines)):
        tokens = _tokens(lines[index])
        t = 0
        while t < len(tokens):
            candidate = tokens[:t] + tokens[t + 1:]
            if same("\n".join(lines[:index] + ["".join(candidate)] + lines[index + 1:])):
                tokens = candidate
            else:
                t += 1
        lines[index] = "".join(tokens)
    return "\n".join(lines)


def fuzz(count: int, seed: int, out: Path | None = None, minimized: bool = True,
         report: Callable[[str], None] | None = None) -> dict[str, tuple[str, str]]:
    """Run `count` mutated inputs; the crashes found, by signature: (input, traceback)."""
    rng = random.Random(seed)
    corpus = load_corpus()
    crashes: dict[str, tuple[str, str]] = {}
    for n in range(count):
        if report and n and n % 5000 == 0:
            report(f"{n} inputs, {len(crashes)} distinct crashes")
        text = mutate(rng, corpus)
        variation_list = variations(rng, text)
        exc = crash_of(text, variation_list)
        if exc is None:
            continue
        sig = signature(exc)
        if sig in crashes:
            continue
        small = minimize(text, variation_list, sig) if minimized else text
        tb = "".join(traceback.format_exception(exc))
        crashes[sig] = (small, tb)
        if report:
            report(f"[{n}] {sig}\n{small!r}")
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9]+", "-", sig).strip("-")
            (out / f"{name}.Dockerfile").write_text(small)
            (out / f"{name}.txt").write_text(
                f"{sig}\nvariations: {variation_list!r}\n\n{tb}")
    return crashes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="folder for crash files")
    args = parser.parse_args(argv)
    start = time.monotonic()
    crashes = fuzz(args.count, args.seed, args.out, report=lambda s: print(s, flush=True))
    elapsed = time.monotonic() - start
    print(f"{args.count} inputs, seed {args.seed}, {len(crashes)} distinct crashes, "
          f"{elapsed:.1f} s")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
