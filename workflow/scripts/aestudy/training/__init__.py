"""Training: the loop, its fast MLP step, checkpoints, and the device a job runs on."""
