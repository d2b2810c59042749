"""The scheduler's parts: its config (config.py), a stage as a child process (child.py), what each job runs and
how its runs are recorded and notified (jobs.py), and the APScheduler service (service.py)."""
