"""An EKS cluster this program owns, with Karpenter added by the `Karpenter` component.

Stack config: `clusterName`, and `subnetIds`, the cluster's subnets (two zones or more; the system
nodes and Karpenter's nodes go into the private ones).
"""

import json

import pulumi
import pulumi_aws as aws

from karpenter import ClusterInputs, Karpenter, KarpenterArgs

config = pulumi.Config()
cluster_name = config.require("clusterName")
subnet_ids = config.require_object("subnetIds")


def service_role(
    name: str, service: str, policies: list[str]
) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
    """A role the AWS service assumes, with AWS managed policies attached."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }
    role = aws.iam.Role(name, assume_role_policy=json.dumps(trust))
    attachments = [
        aws.iam.RolePolicyAttachment(f"{name}-{policy}", role=role.name, policy_arn=f"arn:aws:iam::aws:policy/{policy}")
        for policy in policies
    ]
    return role, attachments


cluster_role, cluster_policies = service_role("cluster-role", "eks.amazonaws.com", ["AmazonEKSClusterPolicy"])
cluster = aws.eks.Cluster(
    "cluster",
    name=cluster_name,
    role_arn=cluster_role.arn,
    vpc_config=aws.eks.ClusterVpcConfigArgs(subnet_ids=subnet_ids),
    access_config=aws.eks.ClusterAccessConfigArgs(authentication_mode="API"),
    opts=pulumi.ResourceOptions(depends_on=cluster_policies),
)
oidc = aws.iam.OpenIdConnectProvider(
    "oidc",
    url=cluster.identities[0].oidcs[0].issuer,
    client_id_lists=["sts.amazonaws.com"],
)

# Karpenter's controller runs on these nodes, never on the nodes it launches itself.
node_role, node_policies = service_role(
    "system-node-role",
    "ec2.amazonaws.com",
    ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"],
)
system_nodes = aws.eks.NodeGroup(
    "system-nodes",
    cluster_name=cluster.name,
    node_role_arn=node_role.arn,
    subnet_ids=subnet_ids,
    instance_types=["m7i.large"],
    scaling_config=aws.eks.NodeGroupScalingConfigArgs(desired_size=2, min_size=2, max_size=3),
    opts=pulumi.ResourceOptions(depends_on=node_policies),
)

karpenter = Karpenter(
    "karpenter",
    KarpenterArgs(
        settings={
            "clusterName": cluster_name,
            "nodePools": {
                "cpu": {"capacityTypes": ["spot", "on-demand"]},
                "gpu": {"gpu": True, "instanceFamilies": ["g5", "g6"], "limits": {"cpu": "200", "memory": "800Gi"}},
            },
        },
        cluster=ClusterInputs(
            # The name as the node group gives it: what Karpenter installs waits for the system nodes too.
            name=system_nodes.cluster_name,
            endpoint=cluster.endpoint,
            certificate_authority=cluster.certificate_authority.data,
            oidc_issuer=cluster.identities[0].oidcs[0].issuer,
            oidc_provider_arn=oidc.arn,
            # Known only once the cluster is: the node classes select subnets and the group by id.
            subnet_ids=cluster.vpc_config.subnet_ids,
            security_group_id=cluster.vpc_config.cluster_security_group_id,
            authentication_mode="API",
        ),
    ),
)

for output_name, value in karpenter.outputs.items():
    pulumi.export(output_name, value)
