"""copdir's Datasette plugin: template variables for the catalogue's pages."""
from __future__ import annotations

import os

from datasette import hookimpl

DEMO_ENV = "COPDIR_DEMO"


@hookimpl
def extra_template_vars():
    # The demo's statuses come from the simulated sample web: every page must say so.
    return {"copdir_demo": os.environ.get(DEMO_ENV) == "1"}
