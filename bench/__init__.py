"""copdir's benchmarks: `python bench/run_all.py --size quick|full` (see bench/README.md)."""
