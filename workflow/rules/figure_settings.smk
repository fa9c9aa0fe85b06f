# What each figure job (figures.smk) is given of the config: a figure kind's own
# settings, which of them its run's figure data depends on, and its caption.

from aestudy.figures import RUN_SOURCES, SHARED_DRAWING


def figure_settings(figure):
    """A figure kind's slice of the config, with the settings all figures share (and
    the evaluation's corruption, as `noise`, for a figure that shows it)."""
    figures = config["figures"]
    settings = dict(
        dpi=figures["dpi"], selection_seed=figures["selection_seed"], **figures[figure]
    )
    if FIGURE_KINDS[figure].shows_corruption:
        settings["noise"] = config["evaluation"]["denoising"]
    return settings


def figure_caption(figure):
    """A figure kind's caption file, naming the settings that ran."""
    return report_caption(
        figure, FIGURE_KINDS[figure].caption_values(figure_settings(figure))
    )


def figure_data_figures(wildcards):
    """The figure kinds of a run that are drawn from its figure data."""
    spec = config["models"][wildcards.model]
    return [
        figure
        for figure in kind_of(spec).run_figures(int(wildcards.latent_dim))
        if FIGURE_KINDS[figure].source == "data"
    ]


def figure_data_settings(wildcards):
    """For each of them, the settings that change what its data holds (not how it
    is drawn): changing one recomputes the run's figure data and redraws its figures."""
    return {
        figure: {
            key: value
            for key, value in figure_settings(figure).items()
            if key not in (*SHARED_DRAWING, *FIGURE_KINDS[figure].drawing)
        }
        for figure in figure_data_figures(wildcards)
    }
