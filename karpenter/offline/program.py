"""Offline synth: run the real program under Pulumi's mock engine and write what it would create.

No AWS account, Pulumi CLI or network: data-source lookups are answered from cluster facts, and
resources get the ids and ARNs AWS would give them (or, with `preview`, stay unknown as in a
first `pulumi preview`). The result is written so that reviewers can diff it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import runpy
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi.output
import pulumi.resource
import yaml
from pulumi.runtime import config as runtime_config
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from karpenter import stack_file
from karpenter.config import NAMESPACE, ConfigError, StackConfig, parse_stack_config
from karpenter.offline_facts import OfflineFacts, load_facts_file, sample_facts

PROJECT_DIR = Path(__file__).resolve().parent.parent
PROJECT = "karpenter"
COMPUTED = "<computed>"
_SPOT_ROLE_NAME = "AWSServiceRoleForEC2Spot"


SAMPLE_FACTS_HINT = (
    "offline synth checked this against its built-in sample cluster; describe your cluster in a facts file "
    "and name it in karpenter:synthFacts"
)


class SynthError(Exception):
    """Synth could not run: the message says why."""


# --- stack files ---------------------------------------------------------------------------


def stack_settings(stack: str, project_dir: Path = PROJECT_DIR) -> dict[str, str]:
    """A stack file's config as the Pulumi CLI hands it to a program: scalars as text,
    structured values as JSON text."""
    try:
        return stack_file.stack_settings(stack, project_dir)
    except stack_file.StackFileError as exc:
        raise SynthError(str(exc)) from exc


_as_cli_text = stack_file.as_cli_text


def offline_facts(config: StackConfig, settings_: dict[str, str], project_dir: Path = PROJECT_DIR) -> OfflineFacts:
    if config.synth_facts:
        return load_facts_file(project_dir / config.synth_facts)
    region = settings_.get("aws:region")
    if not region:
        raise ConfigError("aws:region: required; the stack's AWS region, e.g. eu-west-1")
    return sample_facts(region)


# --- the mock engine ----------------------------------------------------------------------


class OfflineMocks(pulumi.runtime.Mocks):
    """Answers lookups from cluster facts and gives resources the ids and ARNs AWS would."""

    def __init__(self, facts: OfflineFacts, cluster_name: str, preview: bool) -> None:
        self.facts = facts
        self.cluster_name = facts.cluster_name or cluster_name
        self.preview = preview

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        f = self.facts
        token = args.token
        if token == "aws:index/getPartition:getPartition":
            suffix = "amazonaws.com.cn" if f.partition == "aws-cn" else "amazonaws.com"
            return {"id": f.partition, "partition": f.partition, "dnsSuffix": suffix}
        if token == "aws:index/getRegion:getRegion":
            return {"id": f.region, "name": f.region, "region": f.region}
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            arn = f"arn:{f.partition}:iam::{f.account_id}:user/offline"
            return {"id": f.account_id, "accountId": f.account_id, "arn": arn, "userId": "AIDAOFFLINE"}
        if token == "aws:eks/getCluster:getCluster":
            if args.args.get("name") != self.cluster_name:
                return {}, [("name", f"couldn't find resource: EKS cluster {args.args.get('name')}")]
            return self._cluster()
        if token == "aws:ec2/getSubnet:getSubnet":
            for subnet in f.subnets:
                if subnet.id == args.args.get("id"):
                    return {
                        "id": subnet.id,
                        "availabilityZone": subnet.zone,
                        "mapPublicIpOnLaunch": subnet.public,
                        "vpcId": f.vpc_id,
                        "tags": subnet.tags,
                    }
            return {}, [("id", f"no matching EC2 Subnet found: {args.args.get('id')}")]
        if token == "aws:ec2/getSecurityGroup:getSecurityGroup":
            if args.args.get("id") != f.cluster_security_group_id:
                return {}, [("id", f"no matching EC2 Security Group found: {args.args.get('id')}")]
            return {"id": f.cluster_security_group_id, "vpcId": f.vpc_id, "tags": f.cluster_security_group_tags}
        if token == "aws:iam/getRoles:getRoles":
            path = "/aws-service-role/spot.amazonaws.com/"
            arns = (
                [f"arn:{f.partition}:iam::{f.account_id}:role{path}{_SPOT_ROLE_NAME}"]
                if f.spot_service_linked_role_exists
                else []
            )
            return {"id": f.region, "arns": arns, "names": [_SPOT_ROLE_NAME] * len(arns)}
        if token == "aws:eks/getAddon:getAddon":
            if args.args.get("addonName") == "eks-pod-identity-agent" and f.pod_identity_agent:
                return {"id": f"{self.cluster_name}:eks-pod-identity-agent", "addonName": "eks-pod-identity-agent"}
            return {}, [("addonName", "couldn't find resource")]
        if token == "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider":
            if not f.oidc_provider_exists:
                # The engine reports a failed lookup as a failure, which the SDK raises.
                return {}, [("arn", "finding IAM OIDC Provider: couldn't find resource")]
            return {"arn": args.args.get("arn"), "url": f.oidc_issuer.removeprefix("https://")}
        raise Exception(f"offline synth has no answer for the lookup {token}")

    def _cluster(self) -> dict[str, Any]:
        f = self.facts
        return {
            "id": self.cluster_name,
            "name": self.cluster_name,
            "arn": f"arn:{f.partition}:eks:{f.region}:{f.account_id}:cluster/{self.cluster_name}",
            "endpoint": f.endpoint,
            "version": f.kubernetes_version,
            "certificateAuthorities": [{"data": f.certificate_authority}],
            "identities": [{"oidcs": [{"issuer": f.oidc_issuer}]}],
            "accessConfigs": [
                {"authenticationMode": f.authentication_mode, "bootstrapClusterCreatorAdminPermissions": False}
            ],
            "vpcConfig": {
                "vpcId": f.vpc_id,
                "subnetIds": [subnet.id for subnet in f.subnets],
                "clusterSecurityGroupId": f.cluster_security_group_id,
                "securityGroupIds": [],
                "endpointPrivateAccess": True,
                "endpointPublicAccess": True,
                "publicAccessCidrs": ["0.0.0.0/0"],
            },
        }

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        if args.typ.startswith("eks:index:"):
            # pulumi-eks components run in their own plugin: they arrive as one resource.
            return None, ({} if self.preview else self._eks_outputs(args.typ, args.inputs))
        if not args.custom:
            return None, {}
        inputs = dict(args.inputs)
        if self.preview:
            # A first preview knows only what the program gave; every computed output is unknown.
            if args.typ == "aws:eks/cluster:Cluster" and "vpcConfig" in inputs:
                # Computed inside an input block: unknown, where a missing key would read as None.
                computed = {"clusterSecurityGroupId": rpc.UNKNOWN, "vpcId": rpc.UNKNOWN}
                inputs["vpcConfig"] = {**inputs["vpcConfig"], **computed}
            return "", inputs
        resource_id, outputs = self._created(args.typ, args.name, inputs)
        return resource_id, {**inputs, **outputs}

    def _eks_outputs(self, typ: str, inputs: dict[str, Any]) -> dict[str, Any]:
        from karpenter.facts import kubeconfig

        f = self.facts
        if typ != "eks:index:Cluster":
            return {}
        name = inputs.get("name", self.cluster_name)
        issuer = f.oidc_issuer.removeprefix("https://")
        return {
            "kubeconfigJson": json.dumps(kubeconfig(name, f.region, f.endpoint, f.certificate_authority)),
            "oidcIssuer": issuer,
            "oidcProviderUrl": f"https://{issuer}",
            "oidcProviderArn": f"arn:{f.partition}:iam::{f.account_id}:oidc-provider/{issuer}",
            "clusterSecurityGroupId": f.cluster_security_group_id,
        }

    def _created(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        f = self.facts
        iam = f"arn:{f.partition}:iam::{f.account_id}"
        regional = f"{f.partition}:{{service}}:{f.region}:{f.account_id}"
        given = inputs.get("name") or name
        if typ == "aws:iam/role:Role":
            return given, {"arn": f"{iam}:role/{given}", "name": given, "uniqueId": "AROAOFFLINE"}
        if typ == "aws:iam/policy:Policy":
            arn = f"{iam}:policy/{given}"
            return arn, {"arn": arn, "name": given, "policyId": "ANPAOFFLINE"}
        if typ == "aws:iam/instanceProfile:InstanceProfile":
            return given, {"arn": f"{iam}:instance-profile/{given}", "name": given}
        if typ == "aws:iam/serviceLinkedRole:ServiceLinkedRole":
            arn = f"{iam}:role/aws-service-role/{inputs['awsServiceName']}/{_SPOT_ROLE_NAME}"
            return arn, {"arn": arn, "name": _SPOT_ROLE_NAME, "path": f"/aws-service-role/{inputs['awsServiceName']}/"}
        if typ == "aws:eks/cluster:Cluster":
            return given, self._created_cluster(given, inputs)
        if typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            arn = f"{iam}:oidc-provider/{inputs['url'].removeprefix('https://')}"
            return arn, {"arn": arn}
        if typ == "aws:sqs/queue:Queue":
            url = f"https://sqs.{f.region}.amazonaws.com/{f.account_id}/{given}"
            return url, {"arn": "arn:" + regional.format(service="sqs") + f":{given}", "url": url, "name": given}
        if typ == "aws:cloudwatch/eventRule:EventRule":
            return given, {"arn": "arn:" + regional.format(service="events") + f":rule/{given}", "name": given}
        if typ == "aws:ec2/tag:Tag":
            return f"{inputs['resourceId']},{inputs['key']}", {}
        if typ == "aws:eks/accessEntry:AccessEntry":
            arn = "arn:" + regional.format(service="eks") + f":access-entry/{inputs['clusterName']}/node/offline"
            return f"{inputs['clusterName']}:{inputs['principalArn']}", {"accessEntryArn": arn}
        if typ == "aws:eks/podIdentityAssociation:PodIdentityAssociation":
            return "a-offline0000000001", {"associationId": "a-offline0000000001"}
        if typ == "kubernetes:helm.sh/v3:Release":
            return f"{inputs.get('namespace', 'default')}/{given}", {
                "name": given,
                "status": {"status": "deployed", "name": given, "namespace": inputs.get("namespace")},
            }
        if typ == "pulumi-python:dynamic:Resource":
            return f"{name}-offline", {"adopted": False}
        return f"{name}-offline", {}

    def _created_cluster(self, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        """What EKS computes for a cluster a program declares: the facts' endpoint, certificate,
        issuer and security group, and the access config with EKS's defaults."""
        f = self.facts
        access = inputs.get("accessConfig") or {}
        return {
            "arn": f"arn:{f.partition}:eks:{f.region}:{f.account_id}:cluster/{name}",
            "name": name,
            "endpoint": f.endpoint,
            "certificateAuthority": {"data": f.certificate_authority},
            "identities": [{"oidcs": [{"issuer": f.oidc_issuer}]}],
            "vpcConfig": {
                **(inputs.get("vpcConfig") or {}),
                "vpcId": f.vpc_id,
                "clusterSecurityGroupId": f.cluster_security_group_id,
            },
            "accessConfig": {
                "authenticationMode": access.get("authenticationMode", "CONFIG_MAP"),
                "bootstrapClusterCreatorAdminPermissions": access.get("bootstrapClusterCreatorAdminPermissions", True),
            },
            "version": inputs.get("version") or f.kubernetes_version,
            "status": "ACTIVE",
        }


@dataclass
class Registration:
    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    dependencies: list[str]
    inputs: dict[str, Any]
    options: dict[str, Any]


@dataclass
class SynthResult:
    stack: str
    region: str
    preview: bool
    resources: list[Registration]
    outputs: dict[str, Any] = field(default_factory=dict)

    def of_type(self, typ: str) -> list[Registration]:
        return [r for r in self.resources if r.type == typ]

    def named(self, name: str, typ: str | None = None) -> Registration:
        (found,) = [r for r in self.resources if r.name == name and typ in (None, r.type)]
        return found


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock monitor, also keeping each registration's parent, dependencies and inputs
    (MockResourceArgs carries neither parent nor dependencies)."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: dict[str, Registration] = {}

    def GetDeploymentInfo(self, request: Any) -> Any:  # noqa: N802 - the engine's method name
        """Without resource references, a resource passed as an input (a pulumi-eks cluster to
        its node group) crosses as its URN; rebuilding it inside the mock would need the
        provider plugins this engine runs without."""
        info = super().GetDeploymentInfo(request)
        features = [f for f in info.supportedFeatures if f != resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES]
        return resource_pb2.DeploymentInfo(supportedFeatures=features)

    def SupportsFeature(self, request: Any) -> Any:  # noqa: N802 - the engine's method name
        if request.id == "resourceReferences":
            return type("SupportsFeatureResponse", (object,), {"hasSupport": False})
        return super().SupportsFeature(request)

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the engine's method name
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
            self.registrations[response.urn] = Registration(
                urn=response.urn,
                type=request.type,
                name=request.name,
                custom=bool(request.custom),
                parent=request.parent,
                dependencies=sorted(set(request.dependencies)),
                inputs=_plain(inputs),
                options=_options(request),
            )
        return response


def _options(request: Any) -> dict[str, Any]:
    """The resource options a reviewer should see: those that change what update and destroy do."""
    options: dict[str, Any] = {}
    if request.HasField("retainOnDelete") and request.retainOnDelete:
        options["retainOnDelete"] = True
    if request.importId:
        options["importId"] = request.importId
    if request.ignoreChanges:
        options["ignoreChanges"] = sorted(request.ignoreChanges)
    if request.deleteBeforeReplace:
        options["deleteBeforeReplace"] = True
    return options


def _plain(value: Any) -> Any:
    """Inputs as JSON data: unknowns written as <computed>."""
    if isinstance(value, pulumi.output.Unknown):
        return COMPUTED
    if isinstance(value, dict):
        if "__provider" in value:
            value = {**value, "__provider": "<serialized dynamic provider>"}
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, pulumi.Resource):
        return "<resource>"
    if isinstance(value, float) and value.is_integer():
        # Numbers cross the engine as doubles; 300 should read as 300.
        return int(value)
    return value


@contextlib.contextmanager
def _construction_order() -> Iterator[list[tuple[str, str]]]:
    """Record resources in the order the program constructs them, which, unlike the order
    the engine's calls arrive in, does not vary from run to run."""
    order: list[tuple[str, str]] = []
    original = pulumi.resource.register_resource

    def recording(res: Any, ty: str, name: str, *args: Any, **kwargs: Any) -> Any:
        order.append((ty, name))
        return original(res, ty, name, *args, **kwargs)

    pulumi.resource.register_resource = recording
    try:
        yield order
    finally:
        pulumi.resource.register_resource = original


def run_program(
    stack: str,
    settings_: dict[str, str],
    facts: OfflineFacts | None = None,
    *,
    preview: bool = False,
    project_dir: Path = PROJECT_DIR,
) -> SynthResult:
    """Evaluate `__main__.py` for these settings under the mock engine, in a fresh event loop."""
    config = parse_stack_config({k: v for k, v in settings_.items() if k.startswith(f"{NAMESPACE}:")})
    sample = facts is None and config.synth_facts is None
    facts = facts or offline_facts(config, settings_, project_dir)
    try:
        return run_mocked(
            project_dir / "__main__.py", stack, settings_, facts, cluster_name=config.cluster_name, preview=preview
        )
    except pulumi.RunError as exc:
        if not sample:
            raise
        # The config is valid on its own; what failed was checked against a cluster that is not theirs.
        raise ConfigError(f"{exc} ({SAMPLE_FACTS_HINT})") from None


def run_mocked(
    program: Path | Callable[[], object],
    stack: str,
    settings_: dict[str, str],
    facts: OfflineFacts,
    *,
    cluster_name: str,
    project: str = PROJECT,
    preview: bool = False,
) -> SynthResult:
    """Evaluate a Pulumi program of project `project` (a program file, or a function declaring
    resources) under the mock engine, in a fresh event loop, with these settings (`<namespace>:<key>`
    as the CLI gives them) and lookups answered from `facts` about cluster `cluster_name`."""

    def main() -> None:
        if callable(program):
            program()
        else:
            runpy.run_path(str(program))

    mocks = OfflineMocks(facts, cluster_name, preview)
    monitor = RecordingMonitor(mocks)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        settings.reset_options(project=project, stack=stack, preview=preview)
        runtime_config.set_all_config(dict(settings_), [])
        pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor)
        with _construction_order() as order:
            _sync_await(run_pulumi_func(main))
        root = settings.get_root_resource()
        exported = getattr(root, "outputs", {}) or {}
        outputs = {
            key: _plain(_sync_await(pulumi.Output.from_input(value).future(with_unknowns=True)))
            for key, value in exported.items()
        }
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    position = {key: index for index, key in enumerate(order)}
    resources = sorted(monitor.registrations.values(), key=lambda r: position[(r.type, r.name)])
    return SynthResult(stack=stack, region=facts.region, preview=preview, resources=resources, outputs=outputs)


# --- output files --------------------------------------------------------------------------

_POLICY_INPUTS = {
    "aws:iam/role:Role": "assumeRolePolicy",
    "aws:iam/policy:Policy": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
}


def policy_documents(result: SynthResult) -> dict[str, Any]:
    """Every IAM policy document the stack registers, trust and permissions, by resource name."""
    documents: dict[str, Any] = {}
    for resource in result.resources:
        key = _POLICY_INPUTS.get(resource.type)
        text = resource.inputs.get(key) if key else None
        if isinstance(text, str) and text != COMPUTED:
            documents[resource.name] = json.loads(text)
    return documents


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


SYNTH_MARKER = ".karpenter-synth"
_MARKER_TEXT = "Written by `python -m karpenter synth`, which replaces this whole folder on its next run.\n"
_STAGING_PREFIX = ".synth-"
_OWN_FOLDER = "synth writes only into a folder of its own, such as build/synth/<stack>"


def check_output_folder(out: Path, project_dir: Path = PROJECT_DIR) -> Path:
    """`out` resolved, if synth may replace it: a new folder, an empty one or a previous synth's
    output. Anything else is refused before anything is created or removed."""
    try:
        target = out.resolve()
        shown = f"--out {target}"
        if target == Path(target.anchor):
            raise SynthError(f"{shown}: the filesystem root; {_OWN_FOLDER}")
        home = _home()
        if home is not None and (target == home or target in home.parents):
            raise SynthError(f"{shown}: the home folder or one of its parents; {_OWN_FOLDER}")
        project = project_dir.resolve()
        if target == project or target in project.parents:
            raise SynthError(f"{shown}: the project folder or one of its parents; {_OWN_FOLDER}")
        existing = next(folder for folder in (target, *target.parents) if folder.exists())
        if existing == target and not target.is_dir():
            raise SynthError(f"{shown}: a file, not a folder; choose a new or empty folder")
        if not existing.is_dir():
            raise SynthError(f"{shown}: {existing} is a file, not a folder; choose another place")
        if existing == target and not (target / SYNTH_MARKER).is_file() and any(target.iterdir()):
            raise SynthError(
                f"{shown}: the folder holds files synth did not write (no {SYNTH_MARKER} marker); "
                "choose an empty or new folder"
            )
    except (OSError, RuntimeError) as exc:
        # An unreadable folder or a symlink loop: refuse rather than guess.
        raise SynthError(f"--out {out}: cannot be checked: {getattr(exc, 'strerror', None) or exc}") from exc
    return target


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except (KeyError, RuntimeError):
        return None  # no HOME and no password entry: there is no home folder to protect


def write(
    result: SynthResult, out: Path, extra_files: dict[str, str] | None = None, project_dir: Path = PROJECT_DIR
) -> None:
    """Write the result into `out` as a whole: a previous output is replaced only once the new one
    is complete, and a folder synth did not write is refused (see `check_output_folder`)."""
    target = check_output_folder(out, project_dir)
    files: dict[str, str] = {
        "resources.json": _json([vars(r) for r in result.resources]),
        "outputs.json": _json(result.outputs),
    }
    for name, document in policy_documents(result).items():
        files[f"iam/{name}.json"] = _json(document)
    files.update(extra_files or {})
    files[SYNTH_MARKER] = _MARKER_TEXT
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Beside the target, so that the swap is a rename within one filesystem.
        staging = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=target.parent))
        # mkdtemp makes the folder private; the output is for reviewers, like any build folder.
        staging.chmod(0o755)
    except OSError as exc:
        raise SynthError(f"--out {target}: cannot be created: {exc.strerror or exc}") from exc
    try:
        for relative, text in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        _swap_in(staging, target)
    except OSError as exc:
        raise SynthError(f"--out {target}: writing failed, nothing replaced: {exc.strerror or exc}") from exc
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _swap_in(staging: Path, target: Path) -> None:
    """Put the new output where the old one was; should the second rename fail, the old one returns."""
    if not target.exists():
        staging.rename(target)
        return
    aside = staging.with_name(staging.name + ".old")
    target.rename(aside)
    try:
        staging.rename(target)
    except OSError:
        aside.rename(target)
        raise
    shutil.rmtree(aside)


def _infrastructure(result: SynthResult) -> list[Registration]:
    # Our own components only group; pulumi-eks components are real infrastructure.
    return [r for r in result.resources if r.custom or not r.type.startswith("karpenter:")]


def resource_count(result: SynthResult) -> int:
    """How many resources the stack would create (component groupings aside)."""
    return len(_infrastructure(result))


def summary(result: SynthResult) -> str:
    """A short table of what the stack would create."""
    custom = _infrastructure(result)
    counts = Counter(r.type for r in custom)
    mode = "preview (first run: computed values unknown)" if result.preview else "deployment"
    lines = [f"stack {result.stack} ({result.region}), {mode}: {len(custom)} resources", "", "  count  type"]
    lines += [f"  {count:>5}  {typ}" for typ, count in sorted(counts.items())]
    return "\n".join(lines) + "\n"


def rendered_files(result: SynthResult) -> dict[str, str]:
    """Helm values of every release and, for the local chart, its manifests rendered with real
    Helm, by output path. Values still unknown (preview) are written as <computed>."""
    from karpenter.chart_render import render_chart
    from karpenter.releases import config_chart_path

    files: dict[str, str] = {}
    for release in result.of_type("kubernetes:helm.sh/v3:Release"):
        name = release.inputs["name"]
        values = release.inputs.get("values") or {}
        files[f"helm/{name}.values.yaml"] = yaml.safe_dump(values, sort_keys=True, default_flow_style=False)
        if release.inputs.get("chart") == config_chart_path():
            files[f"manifests/{name}.yaml"] = render_chart(
                values, release_name=name, namespace=release.inputs.get("namespace", "default")
            )
    return files
