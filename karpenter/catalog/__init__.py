"""The EC2 instance-type catalog: per type its family, size, processor, memory, GPUs, accelerators,
local NVMe, EFA and network cards; per region the types each zone offers and their on-demand prices.
Plain data read from a snapshot shipped with the package. Imports vocabulary only."""
