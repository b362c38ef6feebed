"""`dfc system df` and `dfc system check`: what the store holds, and whether it is sound."""

from __future__ import annotations

import typer

from dfc.commands.formatting import Template, human_size
from dfc.commands.options import FormatOpt, RootOpt, open_store
from dfc.errors import DfcError

system_app = typer.Typer(help="Manage the store.", no_args_is_help=True)
DF_HEADERS = {"Type": "TYPE", "TotalCount": "TOTAL", "Active": "ACTIVE", "Size": "SIZE",
              "Reclaimable": "RECLAIMABLE"}
_DF_TABLE = ("table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}"
             "\t{{.Reclaimable}}")


def register(app: typer.Typer) -> None:
    system_app.command("df")(df_command)
    system_app.command("check")(check_command)
    app.add_typer(system_app, name="system")


def df_command(fmt: FormatOpt = None, root: RootOpt = None) -> None:
    """Show disk usage: images (shared blobs once), containers (their writable layers)
    and blobs nothing uses."""
    from dfc.runtime.containers.store import ContainerStore
    from dfc.runtime.containers.usage import container_usage, image_users
    from dfc.runtime.images.remove import disk_usage

    store = open_store(root)
    cstore = ContainerStore(store.root)
    middle = [container_usage(cstore)]  # Docker's order: Images, Containers, ..., Build Cache
    rows = []
    for usage in disk_usage(store, image_users(cstore), middle):
        share = f" ({usage.reclaimable * 100 // usage.size}%)" if usage.size else ""
        rows.append({"Type": usage.kind, "TotalCount": str(usage.total),
                     "Active": str(usage.active), "Size": human_size(usage.size),
                     "Reclaimable": human_size(usage.reclaimable) + share})
    typer.echo(Template(fmt or _DF_TABLE, list(DF_HEADERS)).render(rows, DF_HEADERS), nl=False)


def check_command(root: RootOpt = None) -> None:
    """Re-hash every blob and look for blobs the images need but the store lacks."""
    report = open_store(root).check()
    for digest in report.corrupt:
        typer.echo(f"corrupt: {digest}")
    for digest in report.missing:
        typer.echo(f"missing: {digest}")
    if not report.ok:
        raise DfcError(f"store check failed: {len(report.corrupt)} corrupt, "
                       f"{len(report.missing)} missing of {report.checked} blobs")
    typer.echo(f"ok: {report.checked} blobs checked")
