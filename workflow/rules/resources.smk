# How jobs run: threads, memory, GPUs, and on a cluster the grouping of small jobs.
# Nothing here changes a result, only where and how fast it is made.
#
# Snakemake has no public API for two things done here: capping `cpus` at the
# machine's CPUs, and registering a cluster group job's caps. Both use
# `workflow.local_exec`, `workflow.global_resources` and
# `workflow.register_resource`, all of them here and nowhere else; checked against
# Snakemake 9.27.1 (tests/test_workflow.py and tests/test_slurm.py run both).

import os

# The resources given on the command line (--resources), before this file adds any.
GIVEN_RESOURCES = set(workflow.global_resources)


def local_cpu_cap():
    """Works around Snakemake counting --cores, not the machine's CPUs: `--cores 4`
    on a 2-core laptop would run two 2-thread jobs at once. Locally every job also
    takes a `cpus` resource equal to its threads, and `cpus` is capped at the CPUs
    this process may use. (`cpus` counts per job, or per group job on a cluster, so
    it never limits how many cluster jobs run at once; cluster_group_caps sets it
    for a cluster's group jobs.) There is no public API for either half, so this
    one function uses Snakemake's `workflow.local_exec`, `global_resources` and
    `register_resource`."""
    if not workflow.local_exec:
        return None
    cpus = len(os.sched_getaffinity(0))
    # Inside a SLURM job (a group job's own snakemake), the CPUs SLURM gave it,
    # which a node without CPU binding does not show as the affinity.
    cpus = min(cpus, int(os.environ.get("SLURM_CPUS_PER_TASK", cpus)))
    if "cpus" not in GIVEN_RESOURCES:
        workflow.register_resource("cpus", cpus)
    return cpus


LOCAL_CPUS = local_cpu_cap()


def resource(rule_name, key):
    """A rule's resource from compute.<rule_name>. Rules give `cpus` as a number, not
    a function: a function per job slows the planning of big studies."""
    value = config["compute"][rule_name][key]
    if key == "threads" and LOCAL_CPUS:
        return min(value, LOCAL_CPUS)
    return value


# On a cluster, a run's evaluation, figure data and figures go to the cluster as
# one job (a group; profiles/slurm joins its parts with group-components), and so
# do the PCA baselines: each is seconds of work that would otherwise wait in the
# queue on its own. Ignored when snakemake runs the jobs itself.
RUN_OUTPUTS_GROUP = "run_{model}_z{latent_dim}_seed{seed}"
PCA_GROUP = "pca_baselines"


# `cpus` counts per job here and per group job on a cluster, never for the whole
# cluster (memory already does).
resource_scopes:
    cpus="local",


def cluster_group_caps():
    """On a cluster a group job asks for the CPUs and memory of its largest part (a
    run's evaluation, a figure job); its parts run side by side as far as that
    allows, else one after another. `--resources cpus=N mem_mb=M` overrides. Run
    when the study starts: only then does Snakemake know where jobs run. Like
    local_cpu_cap, this uses Snakemake's `workflow.local_exec`, `global_resources`
    and `register_resource`."""
    if workflow.local_exec:
        return
    parts = [config["compute"][name] for name in ("evaluate", "figures")]
    caps = dict(
        cpus=max(part["threads"] for part in parts),
        mem_mb=max(part["mem_mb"] for part in parts),
    )
    for name, value in caps.items():
        if name not in GIVEN_RESOURCES:
            workflow.register_resource(name, value)


onstart:
    cluster_group_caps()


def job_device(rule_name):
    """The device preference of a rule's jobs: the CPU when it asks for no GPU."""
    return config["compute"]["device"] if resource(rule_name, "gpu") > 0 else "cpu"
