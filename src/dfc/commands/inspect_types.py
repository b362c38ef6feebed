"""The Go types the docker CLI (28) decodes `inspect` objects into, for the fields whose
JSON can be null or absent: with them `inspect -f` prints docker's zero values (`[]`,
`map[]`, `<nil>`, "", 0, false) where the JSON has none (dfc.gotemplate.typed).

Only what a template can tell apart is written down: kinds, the names fmt prints for a
nil pointer, and which structs are closed (docker's image config type has none of the
container config's other fields: asking for one makes docker fall back to the raw JSON).
Structs left open take any other field the JSON has as it is.
"""

from __future__ import annotations

from dfc.gotemplate.typed import (
    BOOL,
    EMPTY_STRUCT,
    INT,
    STRING,
    TIME,
    array_of,
    map_of,
    ptr,
    slice_of,
    struct,
)

STRINGS = slice_of()
LABELS = map_of()
PORT_SET = map_of("nat.PortSet", EMPTY_STRUCT)
PORT_MAP = map_of("nat.PortMap", slice_of("[]nat.PortBinding", struct("nat.PortBinding", {
    "HostIp": STRING, "HostPort": STRING})))
DESCRIPTOR = ptr("*v1.Descriptor", struct("v1.Descriptor", {}))
GRAPH_DRIVER = struct("storage.DriverData", {"Data": LABELS, "Name": STRING}, closed=True)

IMAGE_CONFIG = ptr("*v1.DockerOCIImageConfig", struct("v1.DockerOCIImageConfig", {
    "User": STRING, "ExposedPorts": PORT_SET, "Env": STRINGS, "Entrypoint": STRINGS,
    "Cmd": STRINGS, "Volumes": map_of("map[string]struct {}", EMPTY_STRUCT),
    "WorkingDir": STRING, "Labels": LABELS, "StopSignal": STRING, "ArgsEscaped": BOOL,
    "Healthcheck": ptr("*v1.HealthcheckConfig", struct("v1.HealthcheckConfig", {})),
    "OnBuild": STRINGS, "Shell": STRINGS}, closed=True, groups=(10, 3)))
"""docker-image-spec's config: OCI's ImageConfig (10 fields) and docker's extension (3),
embedded."""

CONTAINER_CONFIG = ptr("*container.Config", struct("container.Config", {
    "Hostname": STRING, "Domainname": STRING, "User": STRING, "AttachStdin": BOOL,
    "AttachStdout": BOOL, "AttachStderr": BOOL, "ExposedPorts": PORT_SET, "Tty": BOOL,
    "OpenStdin": BOOL, "StdinOnce": BOOL, "Env": STRINGS, "Cmd": slice_of("strslice.StrSlice"),
    "Healthcheck": ptr("*container.HealthConfig", struct("container.HealthConfig", {})),
    "ArgsEscaped": BOOL, "Image": STRING,
    "Volumes": map_of("map[string]struct {}", EMPTY_STRUCT), "WorkingDir": STRING,
    "Entrypoint": slice_of("strslice.StrSlice"), "NetworkDisabled": BOOL,
    "OnBuild": STRINGS, "Labels": LABELS, "StopSignal": STRING,
    "StopTimeout": ptr("*int"), "Shell": slice_of("strslice.StrSlice")}))

IMAGE = struct("image.InspectResponse", {
    "RepoTags": STRINGS, "RepoDigests": STRINGS, "Parent": STRING, "Comment": STRING,
    "Created": STRING, "DockerVersion": STRING, "Author": STRING, "Config": IMAGE_CONFIG,
    "Architecture": STRING, "Variant": STRING, "Os": STRING, "OsVersion": STRING,
    "Size": INT, "GraphDriver": GRAPH_DRIVER,
    "RootFS": struct("image.RootFS", {"Type": STRING, "Layers": STRINGS}, closed=True),
    "Metadata": struct("image.Metadata", {"LastTagTime": TIME}, closed=True),
    "Descriptor": DESCRIPTOR,
    "Manifests": slice_of("[]image.ManifestSummary", struct("image.ManifestSummary", {})),
    "ContainerConfig": CONTAINER_CONFIG}, json_names={"ID": "Id"})

_DEVICES = slice_of("[]container.DeviceMapping", struct("container.DeviceMapping", {}))
_THROTTLE = slice_of("[]*blkiodev.ThrottleDevice", ptr("*blkiodev.ThrottleDevice"))

HOST_CONFIG = ptr("*container.HostConfig", struct("container.HostConfig", {
    "Binds": STRINGS, "ContainerIDFile": STRING,
    "LogConfig": struct("container.LogConfig", {"Type": STRING, "Config": LABELS},
                        closed=True),
    "NetworkMode": STRING, "PortBindings": PORT_MAP,
    "RestartPolicy": struct("container.RestartPolicy", {
        "Name": STRING, "MaximumRetryCount": INT}, closed=True),
    "AutoRemove": BOOL, "VolumeDriver": STRING, "VolumesFrom": STRINGS,
    "ConsoleSize": array_of("[2]uint", INT, 2), "Annotations": LABELS,
    "CapAdd": slice_of("strslice.StrSlice"), "CapDrop": slice_of("strslice.StrSlice"),
    "CgroupnsMode": STRING, "DNS": STRINGS, "DNSOptions": STRINGS, "DNSSearch": STRINGS,
    "ExtraHosts": STRINGS, "GroupAdd": STRINGS, "IpcMode": STRING, "Cgroup": STRING,
    "Links": STRINGS, "OomScoreAdj": INT, "PidMode": STRING, "Privileged": BOOL,
    "PublishAllPorts": BOOL, "ReadonlyRootfs": BOOL, "SecurityOpt": STRINGS,
    "StorageOpt": LABELS, "Tmpfs": LABELS, "UTSMode": STRING, "UsernsMode": STRING,
    "ShmSize": INT, "Sysctls": LABELS, "Runtime": STRING, "Isolation": STRING,
    "CPUShares": INT, "Memory": INT, "NanoCPUs": INT, "CgroupParent": STRING,
    "BlkioWeight": INT,
    "BlkioWeightDevice": slice_of("[]*blkiodev.WeightDevice", ptr("*blkiodev.WeightDevice")),
    "BlkioDeviceReadBps": _THROTTLE, "BlkioDeviceWriteBps": _THROTTLE,
    "BlkioDeviceReadIOps": _THROTTLE, "BlkioDeviceWriteIOps": _THROTTLE,
    "CPUPeriod": INT, "CPUQuota": INT, "CPURealtimePeriod": INT, "CPURealtimeRuntime": INT,
    "CpusetCpus": STRING, "CpusetMems": STRING, "Devices": _DEVICES,
    "DeviceCgroupRules": STRINGS,
    "DeviceRequests": slice_of("[]container.DeviceRequest",
                               struct("container.DeviceRequest", {})),
    "MemoryReservation": INT, "MemorySwap": INT, "MemorySwappiness": ptr("*int64"),
    "OomKillDisable": ptr("*bool"), "PidsLimit": ptr("*int64"),
    "Ulimits": slice_of("[]*container.Ulimit", ptr("*container.Ulimit")),
    "CPUCount": INT, "CPUPercent": INT, "IOMaximumIOps": INT, "IOMaximumBandwidth": INT,
    "Mounts": slice_of("[]mount.Mount", struct("mount.Mount", {})),
    "MaskedPaths": STRINGS, "ReadonlyPaths": STRINGS, "Init": ptr("*bool")},
    json_names={"DNS": "Dns", "DNSOptions": "DnsOptions", "DNSSearch": "DnsSearch",
                "CPUShares": "CpuShares", "NanoCPUs": "NanoCpus", "CPUPeriod": "CpuPeriod",
                "CPUQuota": "CpuQuota", "CPURealtimePeriod": "CpuRealtimePeriod",
                "CPURealtimeRuntime": "CpuRealtimeRuntime", "CPUCount": "CpuCount",
                "CPUPercent": "CpuPercent"}))

ENDPOINT = ptr("*network.EndpointSettings", struct("network.EndpointSettings", {
    "IPAMConfig": ptr("*network.EndpointIPAMConfig"), "Links": STRINGS, "Aliases": STRINGS,
    "DriverOpts": LABELS, "DNSNames": STRINGS, "MacAddress": STRING, "NetworkID": STRING,
    "EndpointID": STRING, "Gateway": STRING, "IPAddress": STRING, "IPPrefixLen": INT,
    "IPv6Gateway": STRING, "GlobalIPv6Address": STRING, "GlobalIPv6PrefixLen": INT}))

_ADDRESSES = slice_of("[]network.Address", struct("network.Address", {}))

NETWORK_SETTINGS = ptr("*container.NetworkSettings", struct("container.NetworkSettings", {
    "Bridge": STRING, "SandboxID": STRING, "SandboxKey": STRING, "Ports": PORT_MAP,
    "SecondaryIPAddresses": _ADDRESSES, "SecondaryIPv6Addresses": _ADDRESSES,
    "EndpointID": STRING, "Gateway": STRING, "GlobalIPv6Address": STRING,
    "GlobalIPv6PrefixLen": INT, "IPAddress": STRING, "IPPrefixLen": INT,
    "IPv6Gateway": STRING, "MacAddress": STRING,
    "Networks": map_of("map[string]*network.EndpointSettings", ENDPOINT)}))

CONTAINER = struct("container.InspectResponse", {
    "Args": STRINGS,
    "State": ptr("*container.State", struct("container.State", {
        "Status": STRING, "Running": BOOL, "Paused": BOOL, "Restarting": BOOL,
        "OOMKilled": BOOL, "Dead": BOOL, "Pid": INT, "ExitCode": INT, "Error": STRING,
        "StartedAt": STRING, "FinishedAt": STRING,
        "Health": ptr("*container.Health", struct("container.Health", {
            "Log": slice_of("[]*container.HealthcheckResult",
                            ptr("*container.HealthcheckResult"))}))}, closed=True)),
    "ExecIDs": STRINGS, "HostConfig": HOST_CONFIG,
    "GraphDriver": GRAPH_DRIVER,
    "SizeRw": ptr("*int64"), "SizeRootFs": ptr("*int64"),
    "Mounts": slice_of("[]container.MountPoint", struct("container.MountPoint", {})),
    "Config": CONTAINER_CONFIG, "NetworkSettings": NETWORK_SETTINGS,
    "ImageManifestDescriptor": DESCRIPTOR}, json_names={"ID": "Id"})

VOLUME = struct("volume.Volume", {
    "ClusterVolume": ptr("*volume.ClusterVolume", struct("volume.ClusterVolume", {})),
    "CreatedAt": STRING, "Driver": STRING, "Labels": LABELS, "Mountpoint": STRING,
    "Name": STRING, "Options": LABELS, "Scope": STRING,
    "Status": map_of("map[string]interface {}", None),
    "UsageData": ptr("*volume.UsageData", struct("volume.UsageData", {}))}, closed=True)
