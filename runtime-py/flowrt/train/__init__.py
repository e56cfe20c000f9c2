"""Training: the loop, parallelization (FSDP2, DTensor TP), checkpoints, the Megatron launcher."""
