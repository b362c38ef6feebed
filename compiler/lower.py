"""AST to IR: `lower` splits the file into stages; `lower_<instruction>` turns one
instruction into one resolved step, given the stage's builder (called by expand_vars).

What each instruction expands, and with which env, is reference section 2.4; the
config effects and history texts are section 6.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any

from dfc.compiler.builder import StageBuilder
from dfc.compiler.context import CompileContext
from dfc.compiler.copying import lower_copy_like
from dfc.compiler.history import go_quoted_slice, go_slice, healthcheck_text, run_text
from dfc.compiler.ir import (
    ConfigPatch,
    File,
    Healthcheck,
    History,
    Mkdir,
    Plan,
    Run,
    Stage,
    Step,
)
from dfc.compiler.mounts import lower_mount
from dfc.compiler.refs import copy_from_ref
from dfc.compiler.values import check_signal, chomp, join_workdir, normalize_ports
from dfc.errors import CompileError
from dfc.grammar import ast
from dfc.grammar.words import expand_words
from dfc.platform import host_platform, parse_platform

_SIMPLE_HEREDOC = re.compile(r"^\d*<<-?\s*\S+$")


def lower(dockerfile: ast.Dockerfile, ctx: CompileContext) -> Plan:
    """Split the file into global ARGs and stages (raw), pick the target, parse the
    platforms. Nothing is expanded yet: the passes do that."""
    prelude: list[ast.Arg] = []
    stages: list[Stage] = []
    body: list[list[ast.AnyInstruction]] = []
    for instruction in dockerfile.instructions:
        if isinstance(instruction, ast.From):
            stages.append(
                Stage(
                    index=len(stages),
                    name=instruction.name.lower() if instruction.name else None,
                    span=instruction.span,
                    image=instruction.image,
                    platform_text=instruction.platform,
                )
            )
            body.append([])
        elif body:
            body[-1].append(instruction)
        else:  # the parser allows only ARG before the first FROM
            assert isinstance(instruction, ast.Arg)
            prelude.append(instruction)
    if not stages:
        raise CompileError("dockerfile contains no stages to build")
    build = parse_platform(ctx.build_platform) if ctx.build_platform else host_platform()
    target = parse_platform(ctx.platform) if ctx.platform else build
    return Plan(
        stages=tuple(
            Stage(**{**_fields(stage), "instructions": tuple(instructions)})
            for stage, instructions in zip(stages, body, strict=True)
        ),
        target=_target_index(stages, ctx.target),
        build_platform=str(build),
        platform=str(target),
        escape=dockerfile.directives.escape,
        prelude=tuple(prelude),
        declared=declared_args(dockerfile.instructions),
    )


def declared_args(instructions: tuple[ast.AnyInstruction, ...]) -> tuple[str, ...]:
    """Every ARG name the file declares, in any stage or ONBUILD trigger."""
    names: dict[str, None] = {}
    for node in instructions:
        inner = node.trigger if isinstance(node, ast.Onbuild) else node
        if isinstance(inner, ast.Arg):
            names.update((decl.name, None) for decl in inner.args)
    return tuple(names)


def _fields(stage: Stage) -> dict[str, Any]:
    return {name: getattr(stage, name) for name in stage.__struct_fields__}


def _target_index(stages: list[Stage], target: str | None) -> int:
    if target is None:
        return len(stages) - 1
    names = [s.name for s in stages if s.name is not None]
    for stage in stages:
        if stage.name is not None and stage.name == target.lower():
            return stage.index
    close = difflib.get_close_matches(target.lower(), names, n=1)
    hint = f' (did you mean "{close[0]}"?)' if close else ""
    raise CompileError(f'target stage "{target}" could not be found{hint}')


# --- commands -------------------------------------------------------------------------


def _command(command: ast.Command, b: StageBuilder) -> tuple[str, ...]:
    """Exec form as is; shell form wrapped with the shell in effect now."""
    if isinstance(command, ast.ExecForm):
        return command.args
    return (*b.shell(), command.text)


def _run_heredocs(run: ast.Run, b: StageBuilder) -> tuple[tuple[str, ...], tuple[File, ...]]:
    """argv and files of a shell-form RUN with heredocs (BuildKit dispatchRun).

    A command that is only `<<EOF` runs the body with the shell, or as a script file
    when it starts with `#!`; otherwise the heredocs are appended for the shell.
    """
    assert isinstance(run.command, ast.ShellForm)
    first = run.heredocs[0]
    if _SIMPLE_HEREDOC.match(run.command.text.strip()):
        data = chomp(first.body) if first.chomp else first.body
        if data.startswith("#!"):
            script = File(path=f"/dev/pipes/{first.name}", data=data)
            return (*b.shell(), script.path), (script,)
        return (*b.shell(), data), ()
    full = run.command.text + "".join(f"\n{doc.body}{doc.name}" for doc in run.heredocs)
    return (*b.shell(), full), ()



def lower_run(run: ast.Run, b: StageBuilder) -> Run:
    env = b.scope.snapshot()
    state = b.state()
    if run.heredocs and isinstance(run.command, ast.ShellForm):
        argv, files = _run_heredocs(run, b)
    elif run.heredocs:
        raise CompileError("heredocs are not supported with the exec form of RUN")
    else:
        argv, files = _command(run.command, b), ()
    ssh = 0
    mounts = []
    for mount in run.mounts:
        mounts.append(lower_mount(mount, ssh, lambda t: b.expand(t, env), b.plan, b.stage,
                                  state.workdir))
        ssh += mount.type == "ssh"
    return Run(
        span=run.span,
        state=state,
        history=History(created_by=run_text(argv, b.scope.history_args())),
        argv=argv,
        args=tuple(b.scope.declared),
        proxy_env=b.scope.proxy_env(b.build_args),
        mounts=tuple(mounts),
        files=files,
        network=run.network or "default",
        security=run.security or "sandbox",
        devices=run.devices,
    )


def lower_copy(copy: ast.Copy, b: StageBuilder) -> Step:
    origin = None
    if copy.from_ is not None:
        origin = copy_from_ref(copy.from_, b.plan, b.stage, b.plan.escape)
    return lower_copy_like(copy, b, origin)


def lower_add(add: ast.Add, b: StageBuilder) -> Step:
    return lower_copy_like(add, b, None)


def lower_cmd(cmd: ast.Cmd, b: StageBuilder) -> Step:
    argv = _command(cmd.command, b)
    b.cmd_set = True
    return b.configure(cmd, ConfigPatch(cmd=argv, args_escaped=True),
                       f"CMD {go_quoted_slice(argv)}")


def lower_entrypoint(entrypoint: ast.Entrypoint, b: StageBuilder) -> Step:
    """ENTRYPOINT resets a CMD inherited from the base, not one set in this stage."""
    argv = _command(entrypoint.command, b)
    patch = ConfigPatch(entrypoint=argv) if b.cmd_set else ConfigPatch(entrypoint=argv, cmd=())
    return b.configure(entrypoint, patch, f"ENTRYPOINT {go_quoted_slice(argv)}")


def lower_shell(shell: ast.Shell, b: StageBuilder) -> Step:
    return b.configure(shell, ConfigPatch(shell=shell.args), f"SHELL {go_slice(shell.args)}")


def lower_env(env: ast.Env, b: StageBuilder) -> Step:
    snapshot = b.scope.snapshot()
    pairs = [(b.expand(p.key, snapshot), b.expand(p.value, snapshot)) for p in env.pairs]
    config_env = list(b.config.env)
    for key, value in pairs:
        entry = f"{key}={value}"
        index = next((i for i, e in enumerate(config_env) if e.split("=", 1)[0] == key), None)
        if index is None:
            config_env.append(entry)
        else:
            config_env[index] = entry
    text = " ".join(f"{key}={value}" for key, value in pairs)
    step = b.configure(env, ConfigPatch(env=tuple(config_env)), f"ENV {text}")
    b.scope.env.update(pairs)
    return step


def lower_label(label: ast.Label, b: StageBuilder) -> Step:
    snapshot = b.scope.snapshot()
    pairs = [(b.expand(p.key, snapshot), b.expand(p.value, snapshot)) for p in label.pairs]
    labels = {**b.config.labels, **dict(pairs)}
    text = " ".join(f"{key}={value}" for key, value in pairs)
    return b.configure(label, ConfigPatch(labels=labels), f"LABEL {text}")


def lower_arg(arg: ast.Arg, b: StageBuilder) -> Step:
    state = b.state()
    pieces = [
        b.scope.declare(decl, b.plan.globals, b.build_args, b.plan.escape) for decl in arg.args
    ]
    return b.configure(arg, ConfigPatch(), "ARG " + " ".join(pieces), state)


def lower_expose(expose: ast.Expose, b: StageBuilder) -> Step:
    """Raw words sorted, expanded with word splitting, normalised to `port/proto`."""
    env = b.scope.snapshot()
    ports: list[str] = []
    for raw in sorted(expose.ports):
        for word in expand_words(raw, env, b.plan.escape)[0]:
            ports += normalize_ports(word)
    keys = sorted(set(ports))
    merged = tuple(sorted({*b.config.exposed_ports, *keys}))
    return b.configure(expose, ConfigPatch(exposed_ports=merged), f"EXPOSE {go_slice(keys)}")


def lower_volume(volume: ast.Volume, b: StageBuilder) -> Step:
    env = b.scope.snapshot()
    paths = [b.expand(path, env) for path in volume.paths]
    if not paths or any(not path for path in paths):
        raise CompileError("VOLUME specified can not be an empty string")
    merged = tuple(sorted({*b.config.volumes, *paths}))
    return b.configure(volume, ConfigPatch(volumes=merged), f"VOLUME {go_slice(paths)}")


def lower_user(user: ast.User, b: StageBuilder) -> Step:
    name = b.expand(user.user, b.scope.snapshot())
    return b.configure(user, ConfigPatch(user=name), f"USER {name}")


def lower_workdir(workdir: ast.Workdir, b: StageBuilder) -> Step:
    """Joined to the previous WORKDIR; anything but `/` is created (a layer) as the
    current USER."""
    path = join_workdir(b.config.working_dir, b.expand(workdir.path, b.scope.snapshot()))
    if path == "/":
        return b.configure(workdir, ConfigPatch(working_dir=path), f"WORKDIR {path}")
    step = Mkdir(
        span=workdir.span,
        state=b.state(),
        history=History(created_by=f"WORKDIR {path}"),
        path=path,
        user=b.config.user,
    )
    b.config = ConfigPatch(working_dir=path).apply(b.config)
    return step


def lower_stopsignal(stop: ast.StopSignal, b: StageBuilder) -> Step:
    signal = check_signal(b.expand(stop.signal, b.scope.snapshot()))
    return b.configure(stop, ConfigPatch(stop_signal=signal), f"STOPSIGNAL {signal}")


def lower_healthcheck(check: ast.Healthcheck, b: StageBuilder) -> Step:
    """NONE -> `["NONE"]`; exec -> `["CMD", ...]`; shell -> `["CMD-SHELL", text]`
    (never wrapped with SHELL). Omitted durations are 0: the runtime default."""
    if check.command is None:
        test: tuple[str, ...] = ("NONE",)
    elif isinstance(check.command, ast.ExecForm):
        test = ("CMD", *check.command.args)
    else:
        test = ("CMD-SHELL", check.command.text)
    config = Healthcheck(
        test=test,
        interval=check.interval or 0,
        timeout=check.timeout or 0,
        start_period=check.start_period or 0,
        start_interval=check.start_interval or 0,
        retries=check.retries or 0,
    )
    return b.configure(check, ConfigPatch(healthcheck=config), healthcheck_text(config))


def lower_maintainer(maintainer: ast.Maintainer, b: StageBuilder) -> Step:
    return b.configure(
        maintainer, ConfigPatch(author=maintainer.name), f"MAINTAINER {maintainer.name}"
    )


def lower_onbuild(onbuild: ast.Onbuild, b: StageBuilder) -> Step:
    """Stored, not run or expanded, and without a history entry (the parser has
    already rejected the triggers ONBUILD cannot register)."""
    return b.configure(onbuild, ConfigPatch(on_build=(*b.config.on_build, onbuild.text)), None)


LOWER: dict[type[Any], Callable[[Any, StageBuilder], Step]] = {
    ast.Run: lower_run,
    ast.Copy: lower_copy,
    ast.Add: lower_add,
    ast.Cmd: lower_cmd,
    ast.Entrypoint: lower_entrypoint,
    ast.Shell: lower_shell,
    ast.Env: lower_env,
    ast.Label: lower_label,
    ast.Arg: lower_arg,
    ast.Expose: lower_expose,
    ast.Volume: lower_volume,
    ast.User: lower_user,
    ast.Workdir: lower_workdir,
    ast.StopSignal: lower_stopsignal,
    ast.Healthcheck: lower_healthcheck,
    ast.Maintainer: lower_maintainer,
    ast.Onbuild: lower_onbuild,
}
"""One lowering per instruction type (FROM starts a stage and lowers to no step)."""


def lower_instruction(instruction: ast.AnyInstruction, b: StageBuilder) -> Step:
    return LOWER[type(instruction)](instruction, b)
