"""The typed AST: one frozen Struct per instruction, faithful to the text.

Nothing is expanded here: variables, quotes and escapes stay as written, so that the
compiler decides what each instruction expands and lint can see the source as it is.
Every node has a `span`; `keyword` keeps the instruction word's original spelling (for
casing rules) and `comments` the comment lines directly above it (for formatters and
stage/ARG descriptions).
"""

from __future__ import annotations

from typing import Literal

import msgspec

from dfc.source import Span


class Node(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    span: Span


class ShellForm(Node, frozen=True, kw_only=True, tag="shell"):
    """A command given as text: run through the shell of its stage (or CMD-SHELL)."""

    text: str


class ExecForm(Node, frozen=True, kw_only=True, tag="exec"):
    """A command given as a JSON array of strings: no shell involved."""

    args: tuple[str, ...]


Command = ShellForm | ExecForm


class Heredoc(Node, frozen=True, kw_only=True):
    """A `<<NAME` word and its body. `expand` is false when the delimiter was quoted;
    `chomp` is `<<-` (leading tabs stripped); `body` is raw, line terminators kept."""

    name: str
    body: str
    expand: bool = True
    chomp: bool = False
    fd: int | None = None


class KeyValue(Node, frozen=True, kw_only=True):
    """One ENV/LABEL pair, raw. `legacy` marks the `ENV k v` form (no `=`)."""

    key: str
    value: str
    legacy: bool = False


class ArgDecl(Node, frozen=True, kw_only=True):
    """One name of an ARG line; `default` is None for `ARG NAME` (no `=`)."""

    name: str
    default: str | None = None


class Mount(Node, frozen=True, kw_only=True):
    """One `RUN --mount=` flag: its CSV parsed into keys, values raw (expanded later)."""

    type: str = "bind"
    options: tuple[tuple[str, str | None], ...] = ()

    def get(self, *names: str) -> str | None:
        """The value of the first present option among `names` (aliases)."""
        for key, value in self.options:
            if key in names:
                return value
        return None


class Flag(Node, frozen=True, kw_only=True):
    """One flag word as written (`--from=build`, quotes kept): what the instruction layer
    checks and reads its flag values from."""

    word: str


class Instruction(Node, frozen=True, kw_only=True, tag_field="instruction"):
    keyword: str
    comments: tuple[str, ...] = ()
    flags: tuple[Flag, ...] = ()


class From(Instruction, frozen=True, kw_only=True, tag="FROM"):
    image: str
    name: str | None = None
    platform: str | None = None


class Run(Instruction, frozen=True, kw_only=True, tag="RUN"):
    command: Command
    heredocs: tuple[Heredoc, ...] = ()
    mounts: tuple[Mount, ...] = ()
    network: Literal["default", "none", "host"] | None = None
    security: Literal["sandbox", "insecure"] | None = None
    devices: tuple[str, ...] = ()


class Cmd(Instruction, frozen=True, kw_only=True, tag="CMD"):
    command: Command


class Entrypoint(Instruction, frozen=True, kw_only=True, tag="ENTRYPOINT"):
    command: Command


class Shell(Instruction, frozen=True, kw_only=True, tag="SHELL"):
    args: tuple[str, ...]


class Copy(Instruction, frozen=True, kw_only=True, tag="COPY"):
    """COPY: `sources` and `dest` raw words (JSON form already decoded)."""

    sources: tuple[str, ...]
    dest: str
    json: bool = False
    heredocs: tuple[Heredoc, ...] = ()
    from_: str | None = msgspec.field(default=None, name="from")
    chown: str | None = None
    chmod: str | None = None
    link: bool | None = None
    parents: bool | None = None
    exclude: tuple[str, ...] = ()


class Add(Instruction, frozen=True, kw_only=True, tag="ADD"):
    sources: tuple[str, ...]
    dest: str
    json: bool = False
    heredocs: tuple[Heredoc, ...] = ()
    chown: str | None = None
    chmod: str | None = None
    link: bool | None = None
    keep_git_dir: bool | None = None
    checksum: str | None = None
    unpack: bool | None = None
    exclude: tuple[str, ...] = ()


class Env(Instruction, frozen=True, kw_only=True, tag="ENV"):
    pairs: tuple[KeyValue, ...]


class Label(Instruction, frozen=True, kw_only=True, tag="LABEL"):
    pairs: tuple[KeyValue, ...]


class Arg(Instruction, frozen=True, kw_only=True, tag="ARG"):
    args: tuple[ArgDecl, ...]


class Expose(Instruction, frozen=True, kw_only=True, tag="EXPOSE"):
    ports: tuple[str, ...]


class Volume(Instruction, frozen=True, kw_only=True, tag="VOLUME"):
    paths: tuple[str, ...]
    json: bool = False


class User(Instruction, frozen=True, kw_only=True, tag="USER"):
    user: str


class Workdir(Instruction, frozen=True, kw_only=True, tag="WORKDIR"):
    path: str


class StopSignal(Instruction, frozen=True, kw_only=True, tag="STOPSIGNAL"):
    signal: str


class Healthcheck(Instruction, frozen=True, kw_only=True, tag="HEALTHCHECK"):
    """`HEALTHCHECK NONE` has `command` None. Durations are nanoseconds (None: inherit)."""

    command: Command | None = None
    interval: int | None = None
    timeout: int | None = None
    start_period: int | None = None
    start_interval: int | None = None
    retries: int | None = None


class Maintainer(Instruction, frozen=True, kw_only=True, tag="MAINTAINER"):
    name: str


class Onbuild(Instruction, frozen=True, kw_only=True, tag="ONBUILD"):
    """`text` is what the image stores in `Config.OnBuild` (the joined line without the
    ONBUILD word, heredocs re-appended); it is re-parsed where the trigger runs. `trigger`
    is that instruction parsed here, or None when it would not parse (BuildKit stores such
    a trigger unchecked and fails only downstream)."""

    trigger: AnyInstruction | None
    text: str


AnyInstruction = (
    From
    | Run
    | Cmd
    | Entrypoint
    | Shell
    | Copy
    | Add
    | Env
    | Label
    | Arg
    | Expose
    | Volume
    | User
    | Workdir
    | StopSignal
    | Healthcheck
    | Maintainer
    | Onbuild
)


class Rejected(Node, frozen=True, kw_only=True, tag_field="instruction", tag="REJECTED"):
    """An instruction BuildKit's parser accepts and its instruction layer refuses (an
    unknown flag or instruction, a missing argument, a forbidden ONBUILD trigger...).
    It is kept as written (keyword, flag words, argument `text`) with the instruction
    layer's `error` at `error_span`; compiling the file fails with that error."""

    keyword: str
    comments: tuple[str, ...] = ()
    flags: tuple[Flag, ...] = ()
    text: str = ""
    error: str
    error_span: Span | None = None


class Directives(msgspec.Struct, frozen=True, omit_defaults=True):
    """The parser directives at the top of the file (`syntax` is recorded, not used:
    dfc is its own frontend)."""

    escape: str = "\\"
    syntax: str | None = None
    check: str | None = None


class ParseWarning(msgspec.Struct, frozen=True):
    """A parser warning, e.g. an empty continuation line (BuildKit: NoEmptyContinuation)."""

    code: str
    message: str
    span: Span


class Dockerfile(msgspec.Struct, frozen=True):
    """A whole parsed file."""

    instructions: tuple[AnyInstruction, ...]
    directives: Directives = Directives()
    warnings: tuple[ParseWarning, ...] = ()
    rejected: tuple[Rejected, ...] = ()
