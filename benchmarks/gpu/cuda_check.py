"""The GPU check's first CUDA call: name the GPU, or stop (status 3) with one
sentence saying that none is present."""

import sys


def main():
    try:
        import torch
    except ImportError as error:
        print(f"No PyTorch in {sys.executable} ({error}): the GPU check needs one with it.")
        return 2
    if not torch.cuda.is_available():
        print(
            f"No GPU is present: PyTorch {torch.__version__} finds no CUDA device "
            "(torch.cuda.is_available() is False), so the GPU check stops here."
        )
        return 3
    properties = torch.cuda.get_device_properties(0)
    print(
        f"GPU: {properties.name}, {properties.total_memory / 2**30:.0f} GiB, "
        f"{properties.multi_processor_count} multiprocessors, compute capability "
        f"{properties.major}.{properties.minor}; {torch.cuda.device_count()} device(s); "
        f"PyTorch {torch.__version__} built for CUDA {torch.version.cuda}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
