"""What every entry script shares: logging to the rule's log file and to stderr,
and turning a StudyError into its one sentence and a non-zero exit."""

import logging
import sys
import traceback

from aestudy import StudyError


def job_logger(log_path=None):
    logger = logging.getLogger("aestudy")
    logger.handlers.clear()
    logger.setLevel(logging.INFO)
    logger.propagate = False
    handlers = [logging.StreamHandler(sys.stderr)]
    if log_path:
        handlers.append(logging.FileHandler(log_path, mode="w"))
    for handler in handlers:
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        logger.addHandler(handler)
    return logger


def run_job(main, log_path, **kwargs):
    """Call main(log=..., **kwargs); explain a StudyError in one line and exit 1."""
    logger = job_logger(log_path)
    try:
        main(log=logger.info, **kwargs)
    except StudyError as error:
        logger.error(f"error: {error}")
        sys.exit(1)
    except BaseException:
        logger.error(traceback.format_exc())
        raise
