"""``printwarden admin device|release-group|queue ...``: the print fleet from the shell.

Devices, agents, release groups and queues are named (not given by id); every command
runs on the server's database like the other admin commands, and a bad name or value
stops with one line (``guarded``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from printwarden.cli.support import PORT, central_container, guarded
from printwarden.core.errors import NotFoundError

if TYPE_CHECKING:
    from printwarden.container import ServerContainer
    from printwarden.devices.device_model import Device
    from printwarden.devices.queue_model import ReleaseGroup

device_app = typer.Typer(help="Manage devices (physical printers and MFPs).",
                         no_args_is_help=True)
release_group_app = typer.Typer(help="Manage release groups (where held jobs are released).",
                                no_args_is_help=True)
queue_app = typer.Typer(help="Manage queues (what users print to).", no_args_is_help=True)

ACTOR = "cli"
DataDir = Annotated[Path | None, typer.Option("--data-dir", "-d", help="Data directory.",
                                              show_default=False)]
AgentName = Annotated[str | None, typer.Option("--agent", help="Agent (by name) that serves "
                                               "the device.")]
Uri = Annotated[str | None, typer.Option("--uri", help="Device URI, e.g. "
                                         "ipp://mfp.lan/ipp/print or socket://10.0.0.9.")]
Location = Annotated[str | None, typer.Option(help="Where it stands.")]
Model = Annotated[str | None, typer.Option("--make-and-model", help="Make and model.")]
Colour = Annotated[bool | None, typer.Option("--color/--mono", help="Prints colour or not.")]
Duplex = Annotated[bool | None, typer.Option("--duplex/--simplex", help="Prints both sides.")]
Media = Annotated[list[str] | None, typer.Option("--media", help="A PWG media size it takes "
                                                 "(repeat), e.g. iso_a4_210x297mm.")]
Snmp = Annotated[bool | None, typer.Option("--snmp/--no-snmp", help="Read it over SNMP v2c.")]
Community = Annotated[str | None, typer.Option("--snmp-community", help="SNMP community.")]
SnmpPort = Annotated[int | None, typer.Option("--snmp-port", parser=PORT,
                                             help="SNMP port (161).")]
PriceList = Annotated[str | None, typer.Option("--price-list", help="Its own price list (id).")]
Group = Annotated[str | None, typer.Option("--group", help="Its printer (pricing) group, "
                                           "by name.")]
Enabled = Annotated[bool | None, typer.Option("--enabled/--disabled", help="Takes jobs.")]
ReleaseOnSignIn = Annotated[bool | None, typer.Option(
    "--release-on-sign-in/--no-release-on-sign-in",
    help="Release every held job of whoever signs in at the device (terminal, kiosk, "
    "phone) there at once.")]


def _agent_id(container: ServerContainer, name: str) -> str:
    agent = container.devices.find_agent_by_name(name)
    if agent is None:
        raise NotFoundError(f"no agent named {name!r}")
    return agent.id


def _device(container: ServerContainer, name: str) -> Device:
    device = container.devices.find_device_by_name(name)
    if device is None:
        raise NotFoundError(f"no device named {name!r} (see 'printwarden admin device list')")
    return device


def _release_group(container: ServerContainer, name: str) -> ReleaseGroup:
    group = container.devices.find_release_group_by_name(name)
    if group is None:
        raise NotFoundError(f"no release group named {name!r}")
    return group


#: Command-line option -> device field (the others are named alike).
_FIELD_OF_OPTION = {"uri": "device_uri", "color": "color_capable", "duplex": "duplex_capable",
                    "media": "media_supported", "snmp": "snmp_enabled",
                    "price_list": "price_list_id"}


def _options(given: dict[str, Any]) -> dict[str, Any]:
    """A device command's options that were given, by device field (agent and group still
    by name); ``given`` is the command's ``locals()`` on entry."""
    return {_FIELD_OF_OPTION.get(key, key): value for key, value in given.items()
            if key not in ("name", "data_dir") and value is not None}


def _device_fields(container: ServerContainer, given: dict[str, Any]) -> dict[str, Any]:
    """Device fields from ``_options``, the agent and group names resolved to ids."""
    fields = dict(given)
    if "agent" in fields:
        fields["agent_id"] = _agent_id(container, fields.pop("agent"))
    if "group" in fields:
        name = fields.pop("group")
        found = [g for g in container.devices.list_groups() if g.name == name]
        if not found:
            raise NotFoundError(f"no printer group named {name!r}")
        fields["group_id"] = found[0].id
    return fields


@device_app.command("add")
def device_add(name: str, data_dir: DataDir = None, uri: Uri = None, agent: AgentName = None,
               location: Location = None, make_and_model: Model = None,
               color: Colour = None, duplex: Duplex = None, media: Media = None,
               snmp: Snmp = None, snmp_community: Community = None,
               snmp_port: SnmpPort = None, price_list: PriceList = None,
               group: Group = None,
               release_on_sign_in: ReleaseOnSignIn = None) -> None:
    """Add a device."""
    options = _options(locals())
    container = central_container(data_dir)

    def run() -> str:
        fields = _device_fields(container, options)
        return container.devices.create_device(name, actor=ACTOR, **fields).id

    typer.echo(f"created device {name} ({guarded(run)})")


@device_app.command("set")
def device_set(name: str, data_dir: DataDir = None, uri: Uri = None, agent: AgentName = None,
               location: Location = None, make_and_model: Model = None,
               color: Colour = None, duplex: Duplex = None, media: Media = None,
               snmp: Snmp = None, snmp_community: Community = None,
               snmp_port: SnmpPort = None, price_list: PriceList = None,
               group: Group = None,
               release_on_sign_in: ReleaseOnSignIn = None, enabled: Enabled = None) -> None:
    """Change a device (its direct queues follow a change of agent)."""
    options = _options(locals())
    container = central_container(data_dir)

    def run() -> None:
        fields = _device_fields(container, options)
        container.devices.update_device(_device(container, name).id, fields, actor=ACTOR)

    guarded(run)
    typer.echo(f"updated device {name}")


@device_app.command("list")
def device_list(data_dir: DataDir = None) -> None:
    """List devices with their agent, URI and what they can do."""
    container = central_container(data_dir)
    devices = guarded(container.devices.list_devices)
    agents = {a.id: a.name for a in guarded(container.devices.list_agents)}
    typer.echo(f"{'NAME':<20} {'AGENT':<16} {'PRINTS':<14} {'ENABLED':<7} URI")
    for device in devices:
        prints = (f"{'colour' if device.color_capable else 'mono'}, "
                  f"{'duplex' if device.duplex_capable else 'simplex'}")
        typer.echo(f"{device.name:<20} {agents.get(device.agent_id or '', '-'):<16} "
                   f"{prints:<14} {'yes' if device.enabled else 'no':<7} "
                   f"{device.device_uri}")
    typer.echo(f"{len(devices)} device(s)")


@device_app.command("delete")
def device_delete(name: str, data_dir: DataDir = None) -> None:
    """Delete a device no queue uses (one that history refers to is disabled)."""
    container = central_container(data_dir)
    kept = guarded(lambda: container.devices.delete_device(_device(container, name).id,
                                                           actor=ACTOR))
    typer.echo(f"{'disabled' if kept else 'deleted'} device {name}")


@release_group_app.command("add")
def release_group_add(
    name: str, data_dir: DataDir = None,
    device: Annotated[list[str] | None, typer.Option(help="A device (repeat).")] = None,
    description: Annotated[str, typer.Option(help="What it is.")] = "",
) -> None:
    """Add a release group of devices."""
    container = central_container(data_dir)

    def run() -> str:
        ids = [_device(container, each).id for each in device or ()]
        return container.devices.create_release_group(name, actor=ACTOR, device_ids=ids,
                                                      description=description).id

    typer.echo(f"created release group {name} ({guarded(run)})")


@release_group_app.command("list")
def release_group_list(data_dir: DataDir = None) -> None:
    """List release groups and their devices."""
    container = central_container(data_dir)
    groups = guarded(container.devices.list_release_groups)
    names = {d.id: d.name for d in guarded(container.devices.list_devices)}
    for group in groups:
        typer.echo(f"{group.name}: {', '.join(names[d] for d in group.device_ids) or '-'}")
    typer.echo(f"{len(groups)} release group(s)")


@release_group_app.command("add-device")
def release_group_add_device(group: str, device: str, data_dir: DataDir = None) -> None:
    """Add a device to a release group."""
    container = central_container(data_dir)
    guarded(lambda: container.devices.add_release_group_member(
        _release_group(container, group).id, _device(container, device).id, actor=ACTOR))
    typer.echo(f"release group {group}: added {device}")


@release_group_app.command("remove-device")
def release_group_remove_device(group: str, device: str, data_dir: DataDir = None) -> None:
    """Remove a device from a release group."""
    container = central_container(data_dir)
    guarded(lambda: container.devices.remove_release_group_member(
        _release_group(container, group).id, _device(container, device).id, actor=ACTOR))
    typer.echo(f"release group {group}: removed {device}")


@queue_app.command("add")
def queue_add(
    name: str, data_dir: DataDir = None,
    device: Annotated[str | None, typer.Option(help="A direct queue's device.")] = None,
    release_group: Annotated[str | None, typer.Option(
        "--release-group", help="A release queue's release group.")] = None,
    agent: Annotated[str | None, typer.Option(help="A release queue's agent (hosts its "
                                              "endpoint and spool).")] = None,
    owner_check: Annotated[str | None, typer.Option(help="authenticate, release or "
                                                    "trusted-network.")] = None,
    failure_policy: Annotated[str | None, typer.Option(
        help="refuse, hold or tracker (print without a server, report later).")] = None,
    offline_charging: Annotated[str | None, typer.Option(
        help="tracker queues: charge (default) or log the jobs printed offline.")] = None,
    description: Annotated[str | None, typer.Option(help="What it is.")] = None,
) -> None:
    """Add a direct queue (--device) or a release queue (--release-group)."""
    container = central_container(data_dir)

    def run() -> str:
        fields: dict[str, Any] = {key: value for key, value in {
            "owner_check": owner_check, "failure_policy": failure_policy,
            "offline_charging": offline_charging,
            "description": description}.items() if value is not None}
        if release_group is not None:
            fields.update(kind="release",
                          release_group_id=_release_group(container, release_group).id)
        if device is not None:
            fields["device_id"] = _device(container, device).id
        if agent is not None:
            fields["agent_id"] = _agent_id(container, agent)
        return container.devices.create_queue(name, actor=ACTOR, **fields).ipp_path

    typer.echo(f"created queue {name} at {guarded(run)}")


@queue_app.command("list")
def queue_list(data_dir: DataDir = None) -> None:
    """List queues with what they print at."""
    container = central_container(data_dir)
    queues = guarded(container.devices.list_queues)
    devices = {d.id: d.name for d in guarded(container.devices.list_devices)}
    groups = {g.id: g.name for g in guarded(container.devices.list_release_groups)}
    typer.echo(f"{'NAME':<20} {'KIND':<8} {'PRINTS AT':<28} OWNER CHECK")
    for queue in queues:
        target = (devices.get(queue.device_id or "", "") if queue.kind == "direct"
                  else "group " + groups.get(queue.release_group_id or "", ""))
        typer.echo(f"{queue.name:<20} {queue.kind:<8} {target:<28} {queue.owner_check}")
    typer.echo(f"{len(queues)} queue(s)")
