"""The label of the system node group a created cluster gets.

Pods that must not run on nodes Karpenter manages (the controller itself, cluster add-ons)
select the group by it.
"""

SYSTEM_NODE_LABEL = ("workload-type", "system")
